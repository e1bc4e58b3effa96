#!/usr/bin/env node
// Downloads pagerag's real default models into models/ (same layout as the Hub), for machines WITH
// internet access. Tests and the demo can then use them with localModelPath "/models/".
// Not used by CI (it has no access to the Hub).
//
//   npm run fetch-models [-- --host https://huggingface.co]
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const hostFlag = process.argv.indexOf('--host');
const host = (hostFlag >= 0 ? process.argv[hostFlag + 1] : 'https://huggingface.co').replace(/\/$/, '');

export const MODELS = {
  'Xenova/all-MiniLM-L6-v2': ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx'],
  'HuggingFaceTB/SmolLM2-360M-Instruct': [
    'config.json',
    'generation_config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    'special_tokens_map.json',
    'onnx/model_quantized.onnx',
    'onnx/model_q4f16.onnx',
  ],
};

async function download(model, file) {
  const target = join(root, 'models', model, file);
  if (existsSync(target) && statSync(target).size > 0) return `${model}/${file}: already there`;
  mkdirSync(dirname(target), { recursive: true });
  const url = `${host}/${model}/resolve/main/${file}`;
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`GET ${url} answered ${response.status} ${response.statusText}`);
  const total = Number(response.headers.get('content-length')) || 0;
  let done = 0;
  let last = 0;
  const body = Readable.fromWeb(response.body);
  body.on('data', (chunk) => {
    done += chunk.length;
    if (total && (done - last > total / 20 || done === total)) {
      last = done;
      process.stdout.write(`\r${model}/${file}: ${((100 * done) / total).toFixed(0)}% of ${(total / 1e6).toFixed(1)} MB   `);
    }
  });
  await pipeline(body, createWriteStream(`${target}.part`));
  renameSync(`${target}.part`, target);
  process.stdout.write('\n');
  return `${model}/${file}: ${(done / 1e6).toFixed(1)} MB`;
}

let failed = 0;
for (const [model, files] of Object.entries(MODELS)) {
  for (const file of files) {
    try {
      console.log(await download(model, file));
    } catch (error) {
      failed++;
      console.error(`${model}/${file}: ${error.message}`);
    }
  }
}
if (failed) {
  console.error(`${failed} file(s) failed. This needs access to ${host}; CI and the test suite do not use these files.`);
  process.exit(1);
}
console.log(`Models are in ${join(root, 'models')}. Use them with localModelPath "/models/" (the demo: settings → models base URL).`);
