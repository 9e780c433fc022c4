"""The `transformer` backend: fine-tune a local encoder directory for the four markers.

The user supplies the encoder (`--base-model DIR`: a downloaded DanskBERT, a Danish foundation
model, or the tiny BERT the tests build); nothing is ever downloaded (`local_files_only=True`).
`AutoModelForSequenceClassification` gets a 4-way multi-label head (one sigmoid per marker).

Long notes: a note is cut into windows of whole sentences (models.windowing) of at most
`max_length` tokens, consecutive windows sharing one sentence; the note's score for a marker
is the highest window score. Training uses the same max over a note's windows before the
loss, so the model learns exactly what prediction asks of it (a note-level label, with no
guess about which window carries it).

Training is a plain torch loop (AdamW, linear warm-up and decay, seeded shuffling) with a
tqdm progress bar; after every epoch the dev split's mean average precision decides whether
this is the best model so far, and training stops after `patience` epochs without progress,
keeping the best weights. The fine-tuned encoder and its tokenizer are saved under
`encoder/` in the model directory.
"""

from __future__ import annotations

import contextlib
import logging
import math
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from models.early_stopping import BestSoFar, mean_average_precision
from models.learned import LearnedMarkerModel, LearnedModelError, NoteReading
from models.windowing import Span, cut_span, pack_windows, window_spans
from pipeline.schema import MARKERS

ENCODER_DIR = "encoder"

log = logging.getLogger(__name__)


class TransformerModel(LearnedMarkerModel):
    """Note-level marker scores from a fine-tuned encoder, max-pooled over sentence windows.

    Parameters (each also a `--param key=value` of `journaltjek train`; `base_model` is
    `--base-model`): base_model (a local encoder directory; needed to train, not to load);
    max_length (tokens per window); window_overlap (sentences shared by consecutive windows);
    epochs (at most); patience (epochs without a better dev score before stopping);
    batch_size (notes per step); learning_rate; weight_decay; warmup_ratio;
    predict_batch_size (windows per forward pass when scoring); num_threads (torch CPU
    threads while training and scoring; None keeps torch's default. On a shared or busy
    machine 1 is often much faster than oversubscribed threads).
    """

    backend = "transformer"

    def __init__(
        self,
        name: str = "transformer",
        version: str = "0.1.0",
        thresholds: dict[str, float] | None = None,
        seed: int = 0,
        threshold_targets: Mapping[str, str] | None = None,
        case_window_hours: float = 24.0,
        base_model: str | Path | None = None,
        max_length: int = 256,
        window_overlap: int = 1,
        epochs: int = 6,
        patience: int = 2,
        batch_size: int = 8,
        learning_rate: float = 3e-5,
        weight_decay: float = 0.01,
        warmup_ratio: float = 0.1,
        predict_batch_size: int = 32,
        num_threads: int | None = None,
    ):
        super().__init__(name=name, version=version, thresholds=thresholds, seed=seed,
                         threshold_targets=threshold_targets, case_window_hours=case_window_hours)
        checks = {"max_length": (max_length, 8), "epochs": (epochs, 1), "batch_size": (batch_size, 1),
                  "predict_batch_size": (predict_batch_size, 1), "window_overlap": (window_overlap, 0), "patience": (patience, 0)}
        for key, (value, lowest) in checks.items():
            if int(value) < lowest:
                raise LearnedModelError(f"transformer backend: {key} must be at least {lowest}, got {value}")
        if float(learning_rate) <= 0:
            raise LearnedModelError(f"transformer backend: learning_rate must be positive, got {learning_rate}")
        self.base_model = str(base_model) if base_model is not None else None
        self.max_length = int(max_length)
        self.window_overlap = int(window_overlap)
        self.epochs = int(epochs)
        self.patience = int(patience)
        self.batch_size = int(batch_size)
        self.learning_rate = float(learning_rate)
        self.weight_decay = float(weight_decay)
        self.warmup_ratio = float(warmup_ratio)
        self.predict_batch_size = int(predict_batch_size)
        if num_threads is not None and int(num_threads) < 1:
            raise LearnedModelError(f"transformer backend: num_threads must be at least 1, got {num_threads}")
        self.num_threads = int(num_threads) if num_threads is not None else None
        self.model_ = None
        self.tokenizer_ = None
        self.best_epoch_: int | None = None
        self.best_dev_score_: float | None = None

    # -- training -------------------------------------------------------------------------------

    def _fit_readings(self, readings: list[NoteReading], Y: np.ndarray, dev_readings: list[NoteReading] | None,
                      dev_Y: np.ndarray | None) -> None:
        with torch_threads(self.num_threads):
            self._fine_tune(readings, Y, dev_readings, dev_Y)

    def _fine_tune(self, readings: list[NoteReading], Y: np.ndarray, dev_readings: list[NoteReading] | None,
                   dev_Y: np.ndarray | None) -> None:
        import torch
        from tqdm.auto import tqdm
        from transformers import get_linear_schedule_with_warmup, set_seed

        base = self._checked_base_model()
        set_seed(self.seed)
        self.tokenizer_, self.model_ = load_encoder(base, fresh_head=True)
        train_windows = self._encode_notes(readings)
        dev_windows = self._encode_notes(dev_readings) if dev_readings else None
        targets = torch.tensor(np.asarray(Y), dtype=torch.float32)

        model = self.model_
        optimizer = torch.optim.AdamW(model.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay)
        steps_per_epoch = math.ceil(len(readings) / self.batch_size)
        total_steps = steps_per_epoch * self.epochs
        scheduler = get_linear_schedule_with_warmup(optimizer, int(self.warmup_ratio * total_steps), total_steps)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        rng = np.random.default_rng(self.seed)
        best = BestSoFar(patience=self.patience)

        with tqdm(total=total_steps, desc="transformer fine-tuning", unit="step", disable=None) as progress:
            for epoch in range(self.epochs):
                model.train()
                for batch in np.array_split(rng.permutation(len(readings)), steps_per_epoch):
                    logits = self._note_logits([train_windows[i] for i in batch], model)
                    loss = loss_fn(logits, targets[batch])
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                    optimizer.step()
                    scheduler.step()
                    optimizer.zero_grad()
                    progress.update(1)
                    progress.set_postfix(epoch=epoch, loss=f"{loss.item():.3f}")
                if dev_windows is None:
                    continue
                score, _ = mean_average_precision(dev_Y, self._score_windows(dev_windows))
                best.update(epoch, score, lambda: {k: v.detach().clone() for k, v in model.state_dict().items()})
                progress.set_postfix(epoch=epoch, dev_map=f"{score:.3f}")
                if best.should_stop:
                    break
        if best.snapshot is not None:
            model.load_state_dict(best.snapshot)
            log.info("transformer backend: kept the epoch %d weights (dev mean AP %.3f)", best.best_step, best.best_score)
            self.best_epoch_, self.best_dev_score_ = best.best_step, best.best_score
        model.eval()

    def _checked_base_model(self) -> Path:
        if not self.base_model:
            raise LearnedModelError(
                "the transformer backend fine-tunes a local encoder: pass --base-model DIR "
                "(a downloaded DanskBERT or similar; journaltjek never downloads models)"
            )
        base = Path(self.base_model)
        if not (base / "config.json").is_file():
            raise LearnedModelError(f"--base-model {base}: not a local encoder directory (no config.json)")
        return base

    def _note_logits(self, notes: list[list[list[int]]], model) -> "torch.Tensor":
        """Logits (n_notes, 4): each note's windows in one forward pass, max over windows."""
        import torch

        flat = [ids for windows in notes for ids in windows]
        logits = self._forward(flat, model)
        out, at = [], 0
        for windows in notes:
            out.append(logits[at:at + len(windows)].max(dim=0).values)
            at += len(windows)
        return torch.stack(out)

    def _forward(self, input_ids: list[list[int]], model) -> "torch.Tensor":
        batch = self.tokenizer_.pad({"input_ids": input_ids}, padding=True, return_tensors="pt")
        return model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits

    # -- windows ----------------------------------------------------------------------------------

    def _encode_notes(self, readings: Sequence[NoteReading]) -> list[list[list[int]]]:
        """Token ids per window per note."""
        spans = [reading_spans(r) for r in readings]
        return self._encode_windows([r.text for r in readings], spans)

    def _encode_windows(self, texts: Sequence[str], spans: Sequence[list[Span]]) -> list[list[list[int]]]:
        """Token ids (special tokens included) per window per note."""
        windows = self._window_spans(texts, spans)
        window_texts = [text[s:e] for text, note_windows in zip(texts, windows) for s, e in note_windows]
        ids = self.tokenizer_(window_texts, truncation=True, max_length=self.max_length)["input_ids"] if window_texts else []
        out, at = [], 0
        for note_windows in windows:
            out.append(ids[at:at + len(note_windows)])
            at += len(note_windows)
        return out

    def _window_spans(self, texts: Sequence[str], spans: Sequence[list[Span]]) -> list[list[Span]]:
        """The character spans of each note's windows: whole sentences up to the token budget,
        sentences over the budget cut at token boundaries, one sentence shared between windows."""
        tokenizer = self.tokenizer_
        budget = self.max_length - tokenizer.num_special_tokens_to_add(pair=False)
        sentence_texts = [text[s:e] for text, note_spans in zip(texts, spans) for s, e in note_spans]
        offsets_all = tokenizer(sentence_texts, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"] if sentence_texts else []
        out, at = [], 0
        for text, note_spans in zip(texts, spans):
            pieces, lengths = [], []
            for start, end in note_spans:
                offsets = offsets_all[at]
                at += 1
                if not offsets:
                    continue
                for piece_start, piece_end in cut_span((0, end - start), offsets, budget):
                    pieces.append((start + piece_start, start + piece_end))
                lengths.extend(min(budget, len(offsets) - i) for i in range(0, len(offsets), budget))
            out.append(window_spans(pieces, pack_windows(lengths, budget, self.window_overlap)) if pieces else [(0, len(text))])
        return out

    # -- scoring --------------------------------------------------------------------------------

    def _score_readings(self, readings: list[NoteReading]) -> np.ndarray:
        self._trained()
        if not readings:
            return np.zeros((0, len(MARKERS)))
        return self._score_windows(self._encode_notes(readings))

    def _score_texts(self, texts: list[str]) -> np.ndarray:
        from pipeline.text import split_only

        self._trained()
        if not texts:
            return np.zeros((0, len(MARKERS)))
        spans = [[(s.start_char, s.end_char) for s in doc.sents] for doc in split_only(texts)]
        return self._score_windows(self._encode_windows(texts, spans))

    def _score_windows(self, notes: list[list[list[int]]]) -> np.ndarray:
        """Note scores (n, 4): sigmoid of each window's logits, max over the note's windows.

        Windows are scored longest first in batches of similar length (little padding)."""
        import torch

        flat = [(i, ids) for i, windows in enumerate(notes) for ids in windows]
        order = sorted(range(len(flat)), key=lambda k: len(flat[k][1]), reverse=True)
        scores = np.zeros((len(notes), len(MARKERS)))
        model = self.model_
        was_training = model.training
        model.eval()
        with torch.inference_mode(), torch_threads(self.num_threads):
            for b in range(0, len(order), self.predict_batch_size):
                chunk = order[b:b + self.predict_batch_size]
                probs = torch.sigmoid(self._forward([flat[k][1] for k in chunk], model)).numpy()
                for k, row in zip(chunk, probs):
                    note = flat[k][0]
                    scores[note] = np.maximum(scores[note], row)
        model.train(was_training)
        return scores

    def _trained(self) -> None:
        if self.model_ is None or self.tokenizer_ is None:
            raise LearnedModelError("transformer backend: the model is not trained (call fit or from_disk first)")

    # -- the model directory --------------------------------------------------------------------

    def _save_weights(self, directory: Path) -> None:
        self._trained()
        target = directory / ENCODER_DIR
        with quiet_transformers():
            self.model_.save_pretrained(target)
            self.tokenizer_.save_pretrained(target)

    def _load_weights(self, directory: Path) -> None:
        target = directory / ENCODER_DIR
        if not (target / "config.json").is_file():
            raise LearnedModelError(f"{directory}: no fine-tuned encoder ({ENCODER_DIR}/config.json expected)")
        self.tokenizer_, self.model_ = load_encoder(target, fresh_head=False)
        self.model_.eval()

    def _config_extra(self) -> dict[str, Any]:
        return {
            "base_model": self.base_model,
            "max_length": self.max_length,
            "window_overlap": self.window_overlap,
            "epochs": self.epochs,
            "patience": self.patience,
            "batch_size": self.batch_size,
            "learning_rate": self.learning_rate,
            "weight_decay": self.weight_decay,
            "warmup_ratio": self.warmup_ratio,
            "predict_batch_size": self.predict_batch_size,
            "num_threads": self.num_threads,
        }


def reading_spans(reading: NoteReading) -> list[Span]:
    """The sentence spans of a reading, relative to its own text (sentence readings carry
    note offsets); a reading without sentences is one span over its text."""
    n = len(reading.text)
    spans = []
    for s in reading.sentences:
        start, end = max(0, s.start - reading.offset), min(n, s.end - reading.offset)
        if end > start and reading.text[start:end].strip():
            spans.append((start, end))
    return spans or ([(0, n)] if reading.text.strip() else [])


def load_encoder(directory: Path, fresh_head: bool):
    """(tokenizer, model) from a local directory, never the network.

    `fresh_head`: a base encoder gets a new 4-way multi-label head (any head it had is
    replaced); a fine-tuned model directory is loaded as it was saved."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    head = {}
    if fresh_head:
        head = dict(num_labels=len(MARKERS), problem_type="multi_label_classification",
                    id2label=dict(enumerate(MARKERS)), label2id={m: i for i, m in enumerate(MARKERS)},
                    ignore_mismatched_sizes=True)
    try:
        with quiet_transformers():
            tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
            model = AutoModelForSequenceClassification.from_pretrained(directory, local_files_only=True, **head)
    except (OSError, ValueError) as exc:
        raise LearnedModelError(f"{directory}: cannot load a local encoder and tokenizer ({exc})") from None
    if not getattr(tokenizer, "is_fast", False):
        raise LearnedModelError(f"{directory}: the tokenizer has no fast (tokenizers) version; windowing needs offsets")
    if model.config.num_labels != len(MARKERS):
        raise LearnedModelError(f"{directory}: the model has {model.config.num_labels} outputs, expected {len(MARKERS)}")
    return tokenizer, model


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run a block with `n` torch CPU threads (None: leave torch's setting), then restore it."""
    import torch

    if n is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Silence transformers' load reports and progress bars for one block, then restore them."""
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
