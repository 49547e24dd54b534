"""Tiny, randomly initialised real models for tests.

Nothing here downloads anything: a WordPiece tokenizer is trained on the given texts and
tiny BERT models are built from a config, so tests exercise the real loading code paths of
``transformers`` and ``sentence-transformers`` in a few hundred milliseconds.
"""

from __future__ import annotations

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
