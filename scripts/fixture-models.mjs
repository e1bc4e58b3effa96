// The two fixture graphs. They are not trained: they only need the exact input/output contract
// of the real architectures so transformers.js drives them through its normal code paths.
import {
  FLOAT,
  INT64,
  createRandom,
  encodeModel,
  floatTensor,
  int64Tensor,
  node,
  randomMatrix,
  valueInfo,
} from './onnx-graph.mjs';

/**
 * BERT contract: input_ids, attention_mask, token_type_ids → last_hidden_state [B, S, H].
 * hidden = tanh((E[ids] + T[type]) · W) · mask: a bag-of-words encoder, so texts that share words
 * get similar mean-pooled vectors and identical texts identical ones.
 */
export function buildEncoder({ vocabSize, hiddenSize, seed }) {
  const random = createRandom(seed);
  const dims = ['batch_size', 'sequence_length'];
  return encodeModel({
    name: 'pagerag-fixture-encoder',
    inputs: ['input_ids', 'attention_mask', 'token_type_ids'].map((n) => valueInfo(n, INT64, dims)),
    outputs: [valueInfo('last_hidden_state', FLOAT, [...dims, hiddenSize])],
    initializers: [
      floatTensor('word_embeddings', [vocabSize, hiddenSize], randomMatrix(random, vocabSize, hiddenSize, 1)),
      floatTensor('token_type_embeddings', [2, hiddenSize], randomMatrix(random, 2, hiddenSize, 0.1)),
      floatTensor('dense', [hiddenSize, hiddenSize], randomMatrix(random, hiddenSize, hiddenSize, 1 / Math.sqrt(hiddenSize))),
      int64Tensor('last_axis', [-1]),
    ],
    nodes: [
      node('Gather', ['word_embeddings', 'input_ids'], ['words']),
      node('Gather', ['token_type_embeddings', 'token_type_ids'], ['types']),
      node('Add', ['words', 'types'], ['embedded']),
      node('MatMul', ['embedded', 'dense'], ['projected']),
      node('Tanh', ['projected'], ['activated']),
      node('Cast', ['attention_mask'], ['mask_float'], { to: FLOAT }),
      node('Unsqueeze', ['mask_float', 'last_axis'], ['mask_expanded']),
      node('Mul', ['activated', 'mask_expanded'], ['last_hidden_state']),
    ],
  });
}

/**
 * Llama contract as transformers.js drives it: input_ids, attention_mask and per layer
 * past_key_values.{l}.key/value [B, heads, past, headDim] → logits [B, S, V] and
 * present.{l}.key/value [B, heads, past + S, headDim]. Each layer mixes the current token with the
 * mean of its cached values, so the output depends on the whole prompt; `bias` steers the head
 * towards word-like tokens so streamed text reads as words.
 */
export function buildDecoder({ vocabSize, hiddenSize, layers, heads, seed, bias }) {
  const random = createRandom(seed);
  const headDim = hiddenSize / heads;
  const scale = 1 / Math.sqrt(hiddenSize);
  const inputs = [
    valueInfo('input_ids', INT64, ['batch_size', 'sequence_length']),
    valueInfo('attention_mask', INT64, ['batch_size', 'total_sequence_length']),
  ];
  const outputs = [valueInfo('logits', FLOAT, ['batch_size', 'sequence_length', vocabSize])];
  const initializers = [
    floatTensor('embed_tokens', [vocabSize, hiddenSize], randomMatrix(random, vocabSize, hiddenSize, 1)),
    floatTensor('lm_head', [hiddenSize, vocabSize], randomMatrix(random, hiddenSize, vocabSize, 3 * scale)),
    floatTensor('lm_bias', [vocabSize], bias),
    int64Tensor('split_heads', [0, 0, heads, headDim]),
    int64Tensor('merge_heads', [0, 0, hiddenSize]),
  ];
  const nodes = [node('Gather', ['embed_tokens', 'input_ids'], ['hidden_0'])];
  for (let l = 0; l < layers; l++) {
    const past = (kind) => `past_key_values.${l}.${kind}`;
    const present = (kind) => `present.${l}.${kind}`;
    inputs.push(valueInfo(past('key'), FLOAT, ['batch_size', heads, 'past_sequence_length', headDim]));
    inputs.push(valueInfo(past('value'), FLOAT, ['batch_size', heads, 'past_sequence_length', headDim]));
    outputs.push(valueInfo(present('key'), FLOAT, ['batch_size', heads, 'total_sequence_length', headDim]));
    outputs.push(valueInfo(present('value'), FLOAT, ['batch_size', heads, 'total_sequence_length', headDim]));
    for (const w of ['k', 'v', 'self', 'context']) {
      initializers.push(floatTensor(`layer${l}_${w}`, [hiddenSize, hiddenSize], randomMatrix(random, hiddenSize, hiddenSize, scale)));
    }
    const h = `hidden_${l}`;
    for (const [kind, w] of [['key', 'k'], ['value', 'v']]) {
      nodes.push(
        node('MatMul', [h, `layer${l}_${w}`], [`l${l}_${w}_flat`]),
        node('Reshape', [`l${l}_${w}_flat`, 'split_heads'], [`l${l}_${w}_split`]),
        node('Transpose', [`l${l}_${w}_split`], [`l${l}_${w}_heads`], { perm: [0, 2, 1, 3] }),
        node('Concat', [past(kind), `l${l}_${w}_heads`], [present(kind)], { axis: 2 }),
      );
    }
    nodes.push(
      node('ReduceMean', [present('value')], [`l${l}_ctx_heads`], { axes: [2], keepdims: 1 }),
      node('Transpose', [`l${l}_ctx_heads`], [`l${l}_ctx_split`], { perm: [0, 2, 1, 3] }),
      node('Reshape', [`l${l}_ctx_split`, 'merge_heads'], [`l${l}_ctx`]),
      node('MatMul', [h, `layer${l}_self`], [`l${l}_self_out`]),
      node('MatMul', [`l${l}_ctx`, `layer${l}_context`], [`l${l}_ctx_out`]),
      node('Add', [`l${l}_self_out`, `l${l}_ctx_out`], [`l${l}_sum`]),
      node('Tanh', [`l${l}_sum`], [`hidden_${l + 1}`]),
    );
  }
  nodes.push(
    node('MatMul', [`hidden_${layers}`, 'lm_head'], ['logits_raw']),
    node('Add', ['logits_raw', 'lm_bias'], ['logits']),
  );
  return encodeModel({ name: 'pagerag-fixture-decoder', nodes, inputs, outputs, initializers });
}
