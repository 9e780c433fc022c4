"""Build a tiny BERT encoder directory offline, for tests and CPU-only comparisons.

The transformer backend fine-tunes a local encoder directory that a user supplies (a
downloaded DanskBERT, say). Tests and the CPU comparison cannot download one, so this
helper makes a stand-in that has the same shape on disk: a WordPiece vocabulary trained
with the `tokenizers` library on the project's own notes, a 2-layer BERT with random
weights, `config.json` + `model.safetensors` + tokenizer files. It takes seconds.

Use from a test:

    from tiny_bert import build_tiny_bert   # tests/models is on sys.path under pytest
    base = build_tiny_bert(tmp_path / "tiny-bert", texts)

or from a shell (e.g. for `journaltjek train --backend transformer --base-model DIR`):

    python tests/models/tiny_bert.py OUT_DIR --texts annotations/gold/train.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Iterable

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def train_wordpiece_vocab(texts: Iterable[str], directory: Path, vocab_size: int = 3000) -> Path:
    """Train a lower-casing WordPiece vocabulary on `texts`; write vocab.txt and return its path.

    Accents are kept: stripping them would fold æ/ø/å into a/o, which Danish cannot afford.
    """
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=False, clean_text=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, min_frequency=1,
                                        show_progress=False)
    tokenizer.train_from_iterator(texts, trainer=trainer)
    directory.mkdir(parents=True, exist_ok=True)
    vocab = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
    vocab_path = directory / "vocab.txt"
    vocab_path.write_text("".join(token + "\n" for token, _ in vocab), encoding="utf-8")
    return vocab_path


def build_tiny_bert(
    directory: str | Path,
    texts: Iterable[str],
    vocab_size: int = 3000,
    hidden_size: int = 48,
    num_layers: int = 2,
    num_heads: int = 2,
    max_positions: int = 512,
    seed: int = 0,
    mlm_steps: int = 0,
) -> Path:
    """Write a tiny, randomly initialised BERT encoder + WordPiece tokenizer into `directory`.

    The result loads with `AutoTokenizer.from_pretrained(dir, local_files_only=True)` and
    `AutoModelForSequenceClassification.from_pretrained(dir, local_files_only=True, ...)`,
    exactly as a downloaded encoder would. `mlm_steps` > 0 first pre-trains it for that many
    masked-language-model steps on the same texts (a stand-in for a real pre-trained encoder in
    the CPU comparison; the tests use random weights).
    """
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    directory = Path(directory)
    texts = [t for t in texts if t and t.strip()]
    if not texts:
        raise ValueError("build_tiny_bert needs at least one non-empty text to train its vocabulary on")
    vocab_path = train_wordpiece_vocab(texts, directory, vocab_size=vocab_size)
    tokenizer = BertTokenizer(vocab=str(vocab_path), do_lower_case=True, strip_accents=False,
                              model_max_length=max_positions)
    tokenizer.save_pretrained(directory)

    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(tokenizer.get_vocab()),
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        intermediate_size=hidden_size * 4,
        max_position_embeddings=max_positions,
        pad_token_id=tokenizer.pad_token_id,
    )
    if mlm_steps > 0:
        pretrain_mlm(config, tokenizer, texts, mlm_steps, seed).save_pretrained(directory)
    else:
        BertModel(config).save_pretrained(directory)
    return directory


def pretrain_mlm(config, tokenizer, texts: list[str], steps: int, seed: int = 0, batch_size: int = 16,
                 max_length: int = 128, learning_rate: float = 1e-3):
    """A few masked-language-model steps (15 % of tokens masked) over `texts`; returns the model."""
    import numpy as np
    import torch
    from transformers import BertForMaskedLM, DataCollatorForLanguageModeling

    torch.manual_seed(seed)
    model = BertForMaskedLM(config)
    encoded = tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, return_tensors="pt")
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    rng = np.random.default_rng(seed)
    model.train()
    for _ in range(steps):
        batch = collator([{"input_ids": encoded[i]} for i in rng.choice(len(encoded), size=batch_size)])
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    return model


def _read_texts(path: Path) -> list[str]:
    """Note texts from a gold/synthetic JSONL file (the `text` field of each line)."""
    texts = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                texts.append(json.loads(line)["text"])
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build a tiny offline BERT encoder directory from JSONL notes.")
    parser.add_argument("output", type=Path, help="directory to write the encoder into")
    parser.add_argument("--texts", type=Path, action="append", required=True,
                        help="JSONL file with a 'text' field per line (repeatable)")
    parser.add_argument("--vocab-size", type=int, default=3000)
    parser.add_argument("--hidden-size", type=int, default=48)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mlm-steps", type=int, default=0, help="masked-LM pre-training steps on the texts (default 0: random weights)")
    args = parser.parse_args(argv)
    texts = [t for path in args.texts for t in _read_texts(path)]
    build_tiny_bert(args.output, texts, vocab_size=args.vocab_size, hidden_size=args.hidden_size, seed=args.seed,
                    mlm_steps=args.mlm_steps)
    print(f"tiny BERT written to {args.output} ({len(texts)} texts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
