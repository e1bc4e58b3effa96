// Self-made tokenizers for the fixture models, in the Hugging Face `tokenizer.json` format that
// transformers.js reads. Small vocabularies keep the fixture weights tiny and the suite self-contained.

// Common English words plus the vocabulary of pagerag's own docs and tests: whole-word tokens
// make the fixture LLM emit readable words and the fixture encoder a bag-of-words embedding.
export const WORDS = `
the of and to in a is that for it as was with be by on not he i this are or his from at which but have an
they you were her she there been one all we their has would when if so no what can out who them some more
will up about into than other time could only new these then do any my also very how its our two first may
after most way over between where should because each just those people how many much before through back
years where good well own still see same work know while last might us great old year off come since against
go came right used take three state himself few house use during without again place around however home small
found thought went say part once general high upon school every does got united left number course war until
always away something fact though water less public put think almost hand enough far took head yet government
system better set told nothing night end why called didnt eyes find going look asked later knew point next
program city business give group toward young days let room president side social given present several order
national possible rather second face per among form important often things looked early white case john become
large big need four within felt children along saw best church ever least power development light thing seemed
family interest want members mind country area others done turned although open god service certain kind
problem began different door thus help means sense whole matter perhaps itself york times law human line above
name example action company hands local show whether five history gave today either act feet across taken past
quite anything seen having death week experience body word half really field am car words already themselves
information tell together college shall money period held keep sure free seems real behind cannot miss political
air question making office brought whose special heard major problems ago became federal moment study available
known result street economic boy position reason change south board individual job areas society west close
turn love community true court force full seem am wife age future wanted department voice center woman control
common policy necessary following front sometimes six girl clear further land run students provide feel party
able mother music education university child effect level stood military short town morning total outside rate
figure class art century washington north usually leave therefore evidence plan million sound top black strong
hard various says believe type value play surface mean soon modern lines building particular whatever
document documents index indexes vector vectors search query queries answer answers question questions model
models browser page pages text token tokens stream streaming embedding embeddings retrieval chunk chunks node
nodes store storage database offline local worker engine engines response responses context prompt language
author essay wrote writing painting paintings computer computers lisp startup startups software web site sites
growing grew lived learned learn build built ran fast slow data file files memory score scores similar source
sources summary summarize refine compact simple chat message messages user assistant cat dog mouse bird fish
red green blue yellow apple banana orange fruit tree river mountain ocean sky sun moon star rain snow wind
`.trim().split(/\s+/);

const PUNCTUATION = [...'.,;:!?\'"()[]{}-_/\\@#$%^&*+=<>|~`'];
const LETTERS = [...'abcdefghijklmnopqrstuvwxyz'];
const DIGITS = [...'0123456789'];

function uniqueWords() {
  return [...new Set(WORDS.map((w) => w.toLowerCase()))];
}

/** A BERT-style WordPiece tokenizer: lowercase, [CLS] … [SEP], `##` continuation pieces. */
export function makeWordPieceTokenizer({ modelMaxLength }) {
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const tokens = [
    ...specials,
    ...PUNCTUATION,
    ...DIGITS,
    ...LETTERS,
    ...DIGITS.map((d) => `##${d}`),
    ...LETTERS.map((c) => `##${c}`),
    ...uniqueWords().filter((w) => w.length > 1),
  ];
  const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [vocab['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [vocab['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
  const tokenizerConfig = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: modelMaxLength,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
    clean_up_tokenization_spaces: true,
  };
  return { tokenizer, tokenizerConfig, vocabSize: tokens.length, vocab };
}

/** GPT-2's reversible map from bytes to printable characters, used by byte-level BPE. */
function bytesToUnicode() {
  const bs = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  return bs.map((b, i) => [b, String.fromCharCode(cs[i])]);
}

export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

/**
 * A byte-level BPE tokenizer with ChatML special tokens (like SmolLM's): every byte is a token,
 * and merges build each word of WORDS, with and without a leading space ("Ġ").
 */
export function makeByteLevelBpeTokenizer({ modelMaxLength }) {
  const specials = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];
  const tokens = [...specials, ...bytesToUnicode().map(([, c]) => c)];
  const merges = [];
  const known = new Set(tokens);
  for (const word of uniqueWords()) {
    for (const form of [`Ġ${word}`, word]) {
      let current = form[0];
      for (const ch of form.slice(1)) {
        const merged = current + ch;
        if (!known.has(merged)) {
          known.add(merged);
          tokens.push(merged);
          merges.push(`${current} ${ch}`);
        }
        current = merged;
      }
    }
  }
  const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
  const tokenizerConfig = {
    tokenizer_class: 'GPT2Tokenizer',
    model_max_length: modelMaxLength,
    bos_token: '<|im_start|>',
    eos_token: '<|im_end|>',
    pad_token: '<|im_end|>',
    unk_token: '<|endoftext|>',
    additional_special_tokens: ['<|im_start|>', '<|im_end|>'],
    chat_template: CHATML_TEMPLATE,
    clean_up_tokenization_spaces: false,
  };
  return { tokenizer, tokenizerConfig, vocabSize: tokens.length, vocab };
}
