"""Tiny, randomly initialised real models for tests.

Nothing here downloads anything: a WordPiece tokenizer is trained on the given texts and
tiny BERT models are built from a config, so tests exercise the real loading code paths of
``transformers`` and ``sentence-transformers`` in a few hundred milliseconds. A tiny Qwen2
chat model (byte-level BPE, ChatML template) can also be written as a GGUF file.
"""

from __future__ import annotations

import json
import string
import tempfile
import unicodedata
from pathlib import Path

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
MAX_POSITIONS = 512
# A little English so that English questions and prompts ("query: ", "passage: ") get real pieces.
_ENGLISH_SEED = (
    "query: passage: document: search_query: search_document: question answer What is the "
    "budget for AI policy in Korea? How much money will the government invest this year? "
    "Which ministry announced the plan, and when was the summit held in Paris or Beijing?"
)


def train_tokenizer(texts: list[str], out_dir: Path, vocab_size: int = 2000) -> None:
    """Train a cased BERT-style WordPiece tokenizer on ``texts`` and save it into ``out_dir``.

    The backend is NFC + Bert pre-tokenization (whitespace and punctuation splits, which
    handles Hangul), WordPiece with ``##`` continuation, and the usual ``[CLS] A [SEP] B [SEP]``
    template. It is saved as a ``PreTrainedTokenizerFast`` so that ``AutoTokenizer`` loads the
    ``tokenizer.json`` exactly as trained (in transformers 5 ``BertTokenizer`` would rebuild the
    normalizer from its own arguments).
    """
    from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors, trainers
    from tokenizers.models import WordPiece
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(WordPiece(unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.NFC(),
            normalizers.BertNormalizer(
                clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False
            ),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece(prefix="##")
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size,
        min_frequency=1,
        special_tokens=SPECIAL_TOKENS,
        continuing_subword_prefix="##",
        show_progress=False,
    )
    tok.train_from_iterator([*texts, _ENGLISH_SEED], trainer=trainer)

    # Guarantee that every character seen in training (and all printable ASCII) has both a
    # word-initial and a ``##`` continuation piece, so no word of these texts maps to [UNK].
    vocab = dict(tok.get_vocab())
    chars = {c for text in [*texts, _ENGLISH_SEED, string.printable] for c in text}
    for c in sorted(chars):
        if c.isspace() or unicodedata.category(c).startswith("C"):
            continue
        for piece in (c, f"##{c}"):
            vocab.setdefault(piece, len(vocab))
    trained = tok
    tok = Tokenizer(WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = trained.normalizer
    tok.pre_tokenizer = trained.pre_tokenizer
    tok.decoder = trained.decoder
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS]:0 $A:0 [SEP]:0",
        pair="[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )

    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=MAX_POSITIONS,
        model_input_names=["input_ids", "token_type_ids", "attention_mask"],
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fast.save_pretrained(str(out_dir))


def _tiny_bert_config(vocab_size: int, **kwargs):
    from transformers import BertConfig

    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=MAX_POSITIONS,
        pad_token_id=0,
        **kwargs,
    )


def _vocab_size(tokenizer_dir: Path) -> int:
    from transformers import AutoTokenizer

    return len(AutoTokenizer.from_pretrained(str(tokenizer_dir)))


def build_tiny_sentence_transformer(
    out_dir: Path,
    texts: list[str],
    prompts: dict[str, str] | None = None,
    seed: int = 0,
) -> Path:
    """Build a tiny random BERT sentence-transformers model (dim 32) saved in ``out_dir``.

    Modules: Transformer (max_seq_length 256) -> mean Pooling -> Normalize. ``prompts`` (e.g.
    ``{"query": "query: ", "document": "passage: "}``) are stored in
    ``config_sentence_transformers.json`` so ``encode_query``/``encode_document`` apply them.
    The folder loads offline with ``SentenceTransformer(str(out_dir))``.
    """
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import BertModel

    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="tiny_bert_") as tmp:
        hf_dir = Path(tmp)
        train_tokenizer([*texts, *(prompts or {}).values()], hf_dir)
        torch.manual_seed(seed)
        model = BertModel(_tiny_bert_config(_vocab_size(hf_dir)))
        model.save_pretrained(str(hf_dir))

        transformer = Transformer(str(hf_dir), max_seq_length=256)
        pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
        st = SentenceTransformer(
            modules=[transformer, pooling, Normalize()],
            prompts=dict(prompts) if prompts else None,
            device="cpu",
        )
        out_dir.mkdir(parents=True, exist_ok=True)
        st.save(str(out_dir), create_model_card=False)
    return out_dir


def build_tiny_cross_encoder(out_dir: Path, texts: list[str], seed: int = 0) -> Path:
    """Build a tiny random ``BertForSequenceClassification`` (one label) plus tokenizer.

    Saved as a plain Hugging Face folder (like most rerankers on the hub), which
    ``sentence_transformers.CrossEncoder(str(out_dir))`` loads offline.
    """
    import torch
    from transformers import BertForSequenceClassification

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    train_tokenizer(texts, out_dir)
    torch.manual_seed(seed)
    config = _tiny_bert_config(_vocab_size(out_dir), num_labels=1)
    model = BertForSequenceClassification(config)
    model.save_pretrained(str(out_dir))
    return out_dir


QWEN_SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
# ChatML, as Qwen2.5 writes it (without the tools branch and the default system prompt).
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def build_tiny_qwen(out_dir: Path, texts: list[str], seed: int = 0) -> Path:
    """Build a tiny random ``Qwen2ForCausalLM`` with a byte-level BPE tokenizer in ``out_dir``.

    The tokenizer is trained on ``texts`` (plus a little English), has Qwen's special tokens
    ``<|endoftext|>`` (pad), ``<|im_start|>`` and ``<|im_end|>`` (eos) and a ChatML chat
    template. The model (hidden 32, 2 layers, 2 heads, 1 kv head, 512 positions) is random, so
    its output is noise; the lm_head rows of the special tokens are zero, so greedy decoding
    never picks one of them (some ordinary token always scores above 0) and a stream runs to
    ``max_new_tokens`` unless something else stops it.
    """
    import torch
    from tokenizers import Tokenizer, decoders, pre_tokenizers, trainers
    from tokenizers.models import BPE
    from transformers import (
        GenerationConfig,
        PreTrainedTokenizerFast,
        Qwen2Config,
        Qwen2ForCausalLM,
    )

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tok = Tokenizer(BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=1000,
        min_frequency=2,
        special_tokens=QWEN_SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator([*texts, _ENGLISH_SEED], trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=["<|im_start|>"],
        model_max_length=MAX_POSITIONS,
    )
    fast.chat_template = CHATML_TEMPLATE
    fast.save_pretrained(str(out_dir))

    special = [fast.convert_tokens_to_ids(t) for t in QWEN_SPECIAL_TOKENS]
    eos, pad = fast.convert_tokens_to_ids("<|im_end|>"), fast.convert_tokens_to_ids("<|endoftext|>")
    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=len(fast),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=MAX_POSITIONS,
        tie_word_embeddings=False,
        bos_token_id=pad,
        eos_token_id=eos,
        pad_token_id=pad,
    )
    model = Qwen2ForCausalLM(config)
    with torch.no_grad():
        model.lm_head.weight[special] = 0.0
    model.generation_config = GenerationConfig(bos_token_id=pad, eos_token_id=eos, pad_token_id=pad)
    model.save_pretrained(str(out_dir))
    return out_dir


def write_tiny_qwen_gguf(model_dir: Path, out_file: Path, chat_template: bool = True) -> Path:
    """Write the tiny Qwen2 of :func:`build_tiny_qwen` as a llama.cpp-style GGUF file.

    llama.cpp (llama-cpp-python) loads it as it is, and so does transformers' GGUF loader.
    ``chat_template=False`` leaves the template out (a base model). Metadata under the keys
    transformers' GGUF loader reads for ``qwen2`` (shape, rope, norm epsilon; a ``gpt2``
    byte-level tokenizer with merges, control tokens, eos/pad ids and the chat template)
    and tensors under GGUF names: matrices as Q8_0 blocks, so loading really de-quantizes,
    and norms and biases as F32, the way llama.cpp writes them.
    """
    import numpy as np
    import torch
    from gguf import (
        MODEL_ARCH,
        GGMLQuantizationType,
        GGUFWriter,
        TokenType,
        get_tensor_name_map,
        quants,
    )
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    model_dir, out_file = Path(model_dir), Path(out_file)
    config = AutoConfig.from_pretrained(str(model_dir))
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32)
    backend = json.loads(tokenizer.backend_tokenizer.to_str())
    vocab = backend["model"]["vocab"]
    for added in backend["added_tokens"]:
        vocab[added["content"]] = added["id"]
    tokens = [token for token, _ in sorted(vocab.items(), key=lambda item: item[1])]
    merges = [m if isinstance(m, str) else " ".join(m) for m in backend["model"]["merges"]]
    specials = set(QWEN_SPECIAL_TOKENS)

    writer = GGUFWriter(str(out_file), "qwen2")
    writer.add_name("tiny qwen2 test model")
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_rope_freq_base(float(config.rope_parameters["rope_theta"]))
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_file_type(7)  # LLAMA_FTYPE_MOSTLY_Q8_0
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(tokens)
    writer.add_token_types(
        [TokenType.CONTROL if t in specials else TokenType.NORMAL for t in tokens]
    )
    writer.add_token_merges(merges)
    writer.add_eos_token_id(tokenizer.convert_tokens_to_ids("<|im_end|>"))
    writer.add_pad_token_id(tokenizer.convert_tokens_to_ids("<|endoftext|>"))
    writer.add_bos_token_id(tokenizer.convert_tokens_to_ids("<|endoftext|>"))
    writer.add_add_bos_token(False)
    if chat_template:
        writer.add_chat_template(tokenizer.chat_template)

    names = get_tensor_name_map(MODEL_ARCH.QWEN2, config.num_hidden_layers)
    for hf_name, tensor in model.state_dict().items():
        base, suffix = hf_name.rsplit(".", 1)
        gguf_name = f"{names.get_name(base)}.{suffix}"
        data = tensor.detach().numpy().astype(np.float32)
        if data.ndim == 2:
            packed = quants.quantize(data, GGMLQuantizationType.Q8_0)
            writer.add_tensor(gguf_name, packed, raw_dtype=GGMLQuantizationType.Q8_0)
        else:
            writer.add_tensor(gguf_name, data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out_file


# A judge and an answer prompt that share their opening (the prefix-reuse tests).
SOURCES = "[1] 과기정통부는 2024년 9090억원을 투입해 전국민 AI 일상화를 추진한다."
JUDGE = [
    {"role": "system", "content": "출처를 밝혀 답하세요."},
    {"role": "user", "content": SOURCES + "\n\n답이 있나요? YES or NO"},
]
ANSWER = [
    {"role": "system", "content": "출처를 밝혀 답하세요."},
    {"role": "user", "content": SOURCES + "\n\n질문: 예산은 얼마인가?"},
]
