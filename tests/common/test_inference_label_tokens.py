"""Option letters with several tokens: a real SentencePiece tokenizer, trained here.

SentencePiece (Llama 2, Mistral) has three tokens that decode to the letter A: "A" (what
follows "(" in "Answer: (A"), "\u2581A" (what the tokenizer makes of "A" on its own, with
its dummy space prefix) and the byte token <0x41>. The probability of option A is the sum
of the three. The tokenizer is trained in the test from text, and written with a tiny
random-weight Llama into a GGUF file, which llama.cpp and transformers both load: the
numbers are checked against each library's own next-token distribution.
"""

from __future__ import annotations

import io
import math
import types

import gguf
import llama_cpp
import numpy as np
import pytest
import sentencepiece as spm

from bench.common.inference import ChoiceItem, load_model
from bench.common.inference.choice import label_token_ids, top_label_logprobs
from bench.common.inference.vllm_backend import top_id_label_logprobs

QUESTION = ("Where do you live?", ("A farm", "A city", "A suburb"))
SPELLINGS = {"A": ("A", "\u2581A", "<0x41>"), "B": ("B", "\u2581B", "<0x42>")}


def _train_sentencepiece() -> spm.SentencePieceProcessor:
    """A BPE SentencePiece model with byte fallback, trained on survey-like lines in which
    the letters stand alone (" A ") and after "(" ("(A)"), so both pieces are learnt."""
    rng = np.random.default_rng(0)
    words = ["farm", "city", "suburb", "vote", "church", "answer", "question", "option"]
    lines = []
    for _ in range(400):
        w = " ".join(rng.choice(words, 5))
        letters = " ".join(rng.choice(list("ABCDEFGH"), 3))
        lines.append(
            f"Question: {w}? (A) {w} (B) {w} Answer: ({rng.choice(list('ABC'))}) {letters}"
        )
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=360,
        model_type="bpe",
        byte_fallback=True,
        character_coverage=1.0,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        minloglevel=2,
    )
    return spm.SentencePieceProcessor(model_proto=model.getvalue())


def _token_type(sp: spm.SentencePieceProcessor, i: int) -> gguf.TokenType:
    if sp.is_unknown(i):
        return gguf.TokenType.UNKNOWN
    if sp.is_control(i):
        return gguf.TokenType.CONTROL
    if sp.is_byte(i):
        return gguf.TokenType.BYTE
    return gguf.TokenType.NORMAL


def _write_llama_gguf(sp: spm.SentencePieceProcessor, path) -> None:
    """A one-layer Llama (random weights, seeded) with ``sp`` as its vocabulary."""
    V, E, F, H = sp.get_piece_size(), 32, 64, 4
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_context_length(256)
    writer.add_embedding_length(E)
    writer.add_block_count(1)
    writer.add_feed_forward_length(F)
    writer.add_head_count(H)
    writer.add_head_count_kv(H)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_dimension_count(E // H)
    writer.add_tokenizer_model("llama")  # SentencePiece
    writer.add_token_list([sp.id_to_piece(i).encode() for i in range(V)])
    writer.add_token_scores([sp.get_score(i) for i in range(V)])
    writer.add_token_types([_token_type(sp, i) for i in range(V)])
    writer.add_bos_token_id(sp.bos_id())
    writer.add_eos_token_id(sp.eos_id())
    writer.add_unk_token_id(sp.unk_id())
    writer.add_add_bos_token(True)
    rng = np.random.default_rng(1)

    def weight(*shape: int, scale: float = 0.5) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    writer.add_tensor("token_embd.weight", weight(V, E))
    writer.add_tensor("blk.0.attn_norm.weight", np.ones(E, np.float32))
    for name in ("q", "k", "v", "output"):
        writer.add_tensor(f"blk.0.attn_{name}.weight", weight(E, E))
    writer.add_tensor("blk.0.ffn_norm.weight", np.ones(E, np.float32))
    writer.add_tensor("blk.0.ffn_gate.weight", weight(F, E))
    writer.add_tensor("blk.0.ffn_up.weight", weight(F, E))
    writer.add_tensor("blk.0.ffn_down.weight", weight(E, F))
    writer.add_tensor("output_norm.weight", np.ones(E, np.float32))
    # small output weights: a flat next-token distribution, every spelling gets some mass
    writer.add_tensor("output.weight", weight(V, E, scale=0.1))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


@pytest.fixture(scope="module")
def sentencepiece_llama(tmp_path_factory):
    sp = _train_sentencepiece()
    path = tmp_path_factory.mktemp("sp") / "tiny-sp-llama.gguf"
    _write_llama_gguf(sp, path)
    return sp, path


def _spelling_ids(sp: spm.SentencePieceProcessor, letter: str) -> list[int]:
    ids = [sp.piece_to_id(piece) for piece in SPELLINGS[letter]]
    assert sp.unk_id() not in ids  # every spelling is a piece of the trained vocabulary
    return ids


def test_the_trained_tokenizer_has_three_spellings_of_a_letter(sentencepiece_llama):
    sp, _ = sentencepiece_llama
    assert sp.encode("Answer: (A", out_type=str)[-2:] == ["\u2581(", "A"]  # after "(": "A"
    assert sp.encode("A", out_type=str) == ["\u2581A"]  # alone: the space-prefixed piece
    vocabulary = [(i, sp.decode([i])) for i in range(sp.get_piece_size())]
    ids = label_token_ids(vocabulary, ("A", "B"))
    assert [sorted(found) for found in ids] == [
        sorted(_spelling_ids(sp, "A")),
        sorted(_spelling_ids(sp, "B")),
    ]


def _reference_probs(logp: np.ndarray, sp: spm.SentencePieceProcessor) -> np.ndarray:
    """p(letter) = the sum of its three spellings' probabilities, by hand (A, B)."""
    return np.array([np.exp(logp[_spelling_ids(sp, letter)]).sum() for letter in SPELLINGS])


def test_llama_cpp_sums_every_token_of_a_letter(sentencepiece_llama):
    """Reference: llama.cpp evaluating the rendered question from scratch, its own
    log-softmax, and the three spellings' ids read from the SentencePiece model."""
    sp, path = sentencepiece_llama
    item = ChoiceItem("", QUESTION[0], QUESTION[1][:2])
    spec = f"llamacpp:{path}"
    with load_model(spec, use_cache=False, threads=1, prompt_format="raw", progress=False) as m:
        (dist,) = m.choice_distributions([item])
        text = "".join(m.prompt_format.choice(item))
    llm = llama_cpp.Llama(model_path=str(path), n_threads=1, logits_all=True, verbose=False)
    llm.eval(llm.tokenize(text.encode(), add_bos=True))
    logp = llama_cpp.Llama.logits_to_logprobs(llm.scores[llm.n_tokens - 1]).astype(np.float64)
    llm.close()
    p = _reference_probs(logp, sp)
    np.testing.assert_allclose(dist.probs, p / p.sum(), rtol=1e-5)
    assert dist.outside_mass == pytest.approx(1 - p.sum(), abs=1e-6)
    # the single token that tokenize("A") gives ("\u2581A") holds well under all of it:
    # reading it alone, as before, lost the rest of the letter's mass
    assert np.exp(logp[sp.piece_to_id("\u2581A")]) < 0.7 * p[0]


@pytest.mark.slow  # transformers' import and GGUF loader take ~20 s here
def test_transformers_sums_every_token_of_a_letter(sentencepiece_llama):
    """The same file through transformers (its GGUF loader rebuilds the SentencePiece
    tokenizer); reference: the model's own forward pass and log-softmax."""
    import torch

    sp, path = sentencepiece_llama
    item = ChoiceItem("", QUESTION[0], QUESTION[1][:2])
    spec = f"hf:{path}"
    with load_model(spec, use_cache=False, threads=1, prompt_format="raw", progress=False) as m:
        (dist,) = m.choice_distributions([item])
        backend = m.backend
        ids = backend.tokenizer("".join(m.prompt_format.choice(item))).input_ids
        with torch.inference_mode():
            logits = backend.model(torch.tensor([ids])).logits[0, -1].double()
    logp = torch.log_softmax(logits, dim=-1).numpy()
    p = _reference_probs(logp, sp)
    np.testing.assert_allclose(dist.probs, p / p.sum(), rtol=1e-6)
    assert dist.outside_mass == pytest.approx(1 - p.sum(), abs=1e-9)


def test_a_vllm_top_list_adds_tokens_that_decode_to_the_same_letter(sentencepiece_llama):
    """vLLM lists the top tokens by id; decoded one by one with the real tokenizer, the
    three spellings of A all read "A" and must add, not overwrite each other."""
    sp, _ = sentencepiece_llama
    a, spaced_a, byte_a = _spelling_ids(sp, "A")
    top = {
        a: types.SimpleNamespace(logprob=-1.0),  # the shape of vLLM's Logprob record
        spaced_a: types.SimpleNamespace(logprob=-2.0),
        byte_a: types.SimpleNamespace(logprob=-3.0),
        sp.piece_to_id("\u2581B"): types.SimpleNamespace(logprob=-0.5),
    }
    assert {sp.decode([t]) for t in (a, spaced_a, byte_a)} == {"A"}
    got = top_id_label_logprobs(top, sp.decode, ("A", "B", "C"))
    expected_a = math.log(math.exp(-1.0) + math.exp(-2.0) + math.exp(-3.0))
    np.testing.assert_allclose(got, [expected_a, -0.5, -np.inf])


def test_a_server_top_list_adds_the_spaced_and_bare_letter():
    """OpenAI-compatible servers key top_logprobs by text: "A" and " A" are one answer."""
    top = {"A": -1.0, " A": -2.0, "B": -0.7, " (": -3.0, "AB": -4.0}
    got = top_label_logprobs(top.items(), ("A", "B", "C"))
    np.testing.assert_allclose(got, [np.logaddexp(-1.0, -2.0), -0.7, -np.inf])
