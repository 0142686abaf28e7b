"""Benchmark of the inference layer on the embedded model (SmolLM2-135M-Instruct, Q4_1).

Every time is a ratio against the plain library call in the same process on the same
inputs: ``llama_cpp.Llama`` used directly (reset + eval of the whole prompt for scoring,
``create_completion`` for generation). Quality figures sit beside the times: the largest
probability difference to the plain call, the Wasserstein-1 distance between the
log-probability and the sampling estimates, and the mass outside the option letters.
The ``llamacpp_prefill_width*`` rows ask whether batching helps llama.cpp at all: the
same tokens of real survey prompts evaluated one question's suffix (40 tokens) per pass
and sixteen suffixes (640) per pass, in CPU and wall time.

The thread count is the harness's (``bench report --threads``, default 1, through
``BENCH_THREADS``), the same for our layer and the plain call; absolute speeds on a busy
machine are noisy, ratios less so. ``--quick`` shortens generation to
16 tokens, scores 8 instead of 20 questions and skips the transformers comparison (its
GGUF dequantisation alone takes tens of seconds on two cores).

    .venv/bin/python benchmarks/bench_inference.py [--quick]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench.common.inference import ChoiceDistribution, ChoiceItem, Model, SamplingParams, load_model
from bench.common.inference.hf_backend import HFBackend
from bench.common.inference.llamacpp_backend import LlamaCppBackend
from bench.common.inference.prompt_format import ANSWER_CUE, question_block
from bench.common.report.rows import row
from bench.common.threads import free_cores

SUITE = "inference"
THREADS = free_cores()  # `bench report` sets BENCH_THREADS for the suite

# ~300 tokens: an Anthology-style first-person backstory.
BACKSTORY = (
    "I was born in 1971 in a small town outside Dayton, Ohio, the second of four kids. My "
    "father worked the line at a General Motors plant for thirty years and my mother "
    "cleaned houses until her knees gave out. We went to a Methodist church every Sunday, "
    "mostly because my grandmother insisted, and I still go most weeks, though I sit in "
    "the back now. I did two years at a community college studying accounting, then "
    "dropped out when my first daughter was born. I have worked as a bookkeeper for a "
    "family-owned hardware store for twenty-two years; the owner is like a brother to "
    "me. My husband drives a truck for a regional grocery chain and is gone three or "
    "four nights a week. We own our house, a three-bedroom ranch we bought in 1998, and "
    "we finally paid it off last spring, which felt like the biggest thing we ever did. "
    "Money has always been tight but we never missed a mortgage payment. I worry about "
    "what the plant closing did to this town: half the storefronts on Main Street are "
    "empty and a lot of the young people have moved to Columbus. My son is a nurse there "
    "and my daughter teaches second grade here. I vote in every election, even the "
    "small ones, because my dad said that was the least you could do. I don't like "
    "talking politics at the dinner table anymore; it got ugly with my brother-in-law a "
    "few years ago. In my free time I garden, I bake for church sales, and I watch the "
    "Reds lose more than they win."
)

QUESTIONS = [
    ("What is your age?", ["18-29", "30-49", "50-64", "65 or older"]),
    ("What is your gender?", ["Female", "Male"]),
    ("What is your religion?", ["Protestant", "Catholic", "Jewish", "None", "Other"]),
    ("How often do you attend religious services?", ["Weekly", "Monthly", "Yearly", "Never"]),
    (
        "What is the highest degree you completed?",
        ["High school", "Some college", "Bachelor's", "Graduate"],
    ),
    ("Which party do you identify with?", ["Republican", "Democrat", "Independent"]),
    ("Do you own or rent your home?", ["Own", "Rent"]),
    ("What is your marital status?", ["Married", "Divorced", "Widowed", "Never married"]),
    ("Which region do you live in?", ["Northeast", "Midwest", "South", "West"]),
    ("What is your family income?", ["Under $30k", "$30k-$75k", "$75k-$150k", "Over $150k"]),
    ("Are you employed?", ["Full time", "Part time", "Unemployed", "Retired"]),
    ("Do you have children?", ["Yes", "No"]),
    ("How would you describe your political views?", ["Liberal", "Moderate", "Conservative"]),
    ("Is the country heading in the right direction?", ["Right direction", "Wrong track"]),
    (
        "Should the government spend more on health care?",
        ["Too little", "About right", "Too much"],
    ),
    ("How much do you trust the news media?", ["A great deal", "Some", "Hardly any"]),
    ("Do you favor stricter gun laws?", ["Favor", "Oppose"]),
    ("How happy are you these days?", ["Very happy", "Pretty happy", "Not too happy"]),
    ("Can most people be trusted?", ["Can trust", "Can't be too careful", "Depends"]),
    ("Is your financial situation getting better or worse?", ["Better", "Same", "Worse"]),
]

GEN_PROMPTS = [f"Question: Tell me about yourself. (Person {i})\nAnswer:" for i in range(8)]


def _plain_scores(llm, texts, labels_per_text):
    """The plain library call: reset, evaluate the whole prompt, read the last logits."""
    import llama_cpp

    from bench.common.inference.llamacpp_backend import log_softmax

    out = []
    for text, labels in zip(texts, labels_per_text):
        llm.reset()
        llm.eval(llm.tokenize(text.encode(), add_bos=True, special=True))
        logits = np.ctypeslib.as_array(
            llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),)
        )
        logp = log_softmax(logits)
        ids = [llm.tokenize(label.encode(), add_bos=False)[0] for label in labels]
        p = np.exp(logp[ids])
        out.append(p / p.sum())
    return out


def _llamacpp(model: Model) -> LlamaCppBackend:
    """The embedded model's backend, typed (``Model.backend`` is any backend)."""
    assert isinstance(model.backend, LlamaCppBackend)
    return model.backend


def _max_dp(a: Sequence[ChoiceDistribution], b: Sequence[ChoiceDistribution]) -> float:
    return max(float(np.abs(x.probs - y.probs).max()) for x, y in zip(a, b))


@dataclass
class Setup:
    """What every section of the benchmark shares: the items, the model under test and
    the plain ``llama_cpp.Llama`` reference."""

    quick: bool
    items: list[ChoiceItem]
    model: Model
    plain: Any  # llama_cpp.Llama
    path: str
    t_reuse: float = 0.0  # our scoring time, for the transformers comparison
    reused: list[ChoiceDistribution] = field(default_factory=list)


def _scoring_rows(setup: Setup) -> list[dict]:
    """Prefix reuse vs the plain call vs no reuse, and their agreement."""
    model, items = setup.model, setup.items
    texts = ["".join(model.prompt_format.choice(item)) for item in items]
    labels = [item.labels for item in items]
    model.choice_distributions(items[:1])  # warm-up (first decode allocates buffers)
    start = time.perf_counter()
    reference = _plain_scores(setup.plain, texts, labels)
    t_plain = time.perf_counter() - start
    _llamacpp(model).forget_prefix()
    start = time.perf_counter()
    reused = model.choice_distributions(items)
    t_reuse = time.perf_counter() - start
    _llamacpp(model).prefix_reuse = False
    start = time.perf_counter()
    no_reuse = model.choice_distributions(items)
    t_no_reuse = time.perf_counter() - start
    _llamacpp(model).prefix_reuse = True
    setup.t_reuse, setup.reused = t_reuse, reused
    # agreement = 1 - largest |p - p_plain|: 1 when identical (a relative tolerance on a
    # difference of 0 would be meaningless)
    agree_reuse = 1 - max(np.abs(a.probs - b).max() for a, b in zip(reused, reference))
    agree_plain = 1 - max(np.abs(a.probs - b).max() for a, b in zip(no_reuse, reference))
    n = len(items)
    return [
        row(SUITE, f"score_{n}q_plain_seconds", t_plain, "s", "info"),
        row(SUITE, "score_prefix_reuse_speedup_vs_plain", t_plain / t_reuse, "x", "ratio", True),
        row(SUITE, "score_no_reuse_speedup_vs_plain", t_plain / t_no_reuse, "x", "ratio", True),
        row(SUITE, "score_prefix_reuse_agreement", agree_reuse, "1-max|dp|", "quality", True, 1e-3),
        row(SUITE, "score_no_reuse_agreement", agree_plain, "1-max|dp|", "quality", True, 1e-3),
    ]


def _compliance_rows(setup: Setup) -> list[dict]:
    """Next-token mass on the option letters (1 - outside_mass), the reason
    prompt_format="auto" picks the chat template for the embedded model."""
    with load_model(
        "embedded", use_cache=False, threads=THREADS, progress=False, prompt_format="raw"
    ) as raw:
        raw_dists = raw.choice_distributions(setup.items)
    rows = []
    for label, dists in (("chat", setup.reused), ("raw", raw_dists)):
        compliance = 1 - float(np.mean([d.outside_mass for d in dists]))
        rows.append(
            row(SUITE, f"score_compliance_{label}", compliance, "prob", "quality", True, 0.05)
        )
    return rows


def _sampling_rows(setup: Setup) -> list[dict]:
    """The log-probability method vs K=40 sampling (the Anthology code's)."""
    from bench.common.ot.wasserstein_1d import wasserstein_1d

    k_items = setup.items[:3] if setup.quick else setup.items[:8]
    start = time.perf_counter()
    by_logprob = setup.model.choice_distributions(k_items)
    t_logprob = time.perf_counter() - start
    start = time.perf_counter()
    by_sampling = setup.model.sample_choice_distribution(k_items, k=40)
    t_sampling = time.perf_counter() - start
    w1 = [
        float(wasserstein_1d(a.probs, b.probs, normalize=True))
        for a, b in zip(by_logprob, by_sampling)
    ]
    parsed = 1 - float(np.mean([d.outside_mass for d in by_sampling]))
    return [
        row(SUITE, "logprob_speedup_vs_k40_sampling", t_sampling / t_logprob, "x", "ratio", True),
        row(
            SUITE,
            "logprob_vs_k40_mean_w1_normalized",
            float(np.mean(w1)),
            "W1/(K-1)",
            "quality",
            False,
            1.0,
        ),
        row(SUITE, "k40_sampling_parsed_fraction", parsed, "fraction", "quality", True, 0.1),
    ]


def _plain_generate(plain, prompts: Sequence[str], max_tokens: int) -> int:
    tokens = 0
    for i, text in enumerate(prompts):
        out = plain.create_completion(
            text,
            max_tokens=max_tokens,
            temperature=1.0,
            top_p=1.0,
            top_k=0,
            min_p=0.0,
            repeat_penalty=1.0,
            seed=i,
        )
        tokens += out["usage"]["completion_tokens"]
    return tokens


def _generation_rows(setup: Setup, params: SamplingParams) -> list[dict]:
    """Generation at batch 1 and a batch of 8, against create_completion."""
    model = setup.model
    prompts = [model.prompt_format.prompt(p) for p in GEN_PROMPTS]
    rows = []
    for label, batch in (("batch1", GEN_PROMPTS[:1]), ("batch8", GEN_PROMPTS)):
        setup.plain.reset()
        start = time.perf_counter()
        plain_tokens = _plain_generate(setup.plain, prompts[: len(batch)], params.max_tokens)
        plain_rate = plain_tokens / (time.perf_counter() - start)
        _llamacpp(model).forget_prefix()
        start = time.perf_counter()
        generations = model.generate(batch, params)
        ours_tokens = sum(g.completion_tokens for g in generations)
        ours_rate = ours_tokens / (time.perf_counter() - start)
        rows += [
            row(SUITE, f"generate_{label}_tokens_per_s", ours_rate, "tok/s", "info"),
            row(
                SUITE,
                f"generate_{label}_speedup_vs_plain",
                ours_rate / plain_rate,
                "x",
                "ratio",
                True,
            ),
        ]
    return rows


def _hf_batched_rows(hf: Model, items: list[ChoiceItem], t_llamacpp: float) -> list[dict]:
    """transformers scoring ``HF_BATCH`` questions of a context per pass against one at a
    time (the same loaded model, alternating, CPU seconds: the machine is shared), and
    against llama.cpp's scorer (``t_llamacpp``, CPU seconds, measured just before)."""
    backend = hf.backend
    assert isinstance(backend, HFBackend)
    cpu: dict[int, list[float]] = {1: [], HF_BATCH: []}
    dists: dict[int, list[ChoiceDistribution]] = {}
    for _ in range(2):
        for batch in cpu:
            backend.score_batch, backend._kept = batch, None
            start = time.process_time()
            dists[batch] = hf.choice_distributions(items)
            cpu[batch].append(time.process_time() - start)
    ratio = float(np.median(np.array(cpu[1]) / np.array(cpu[HF_BATCH])))
    max_dp = _max_dp(dists[HF_BATCH], dists[1])
    return [
        row(SUITE, "hf_batched_cpu_speedup_vs_unbatched", ratio, "x", "ratio", True),
        row(SUITE, "hf_batched_vs_unbatched_max_abs_dp", max_dp, "max|dp|", "info"),
        row(
            SUITE,
            "hf_batched_cpu_speedup_vs_llamacpp",
            t_llamacpp / min(cpu[HF_BATCH]),
            "x",
            "ratio",
            True,
        ),
    ]


def _hf_rows(setup: Setup, params: SamplingParams, generate_rate: float) -> list[dict]:
    """llama.cpp vs transformers on the same GGUF (dequantised to float32)."""
    with load_model("embedded", use_cache=False, threads=THREADS, progress=False) as llama:
        start = time.process_time()
        llama.choice_distributions(setup.items)
        t_llamacpp = time.process_time() - start
    start = time.perf_counter()
    hf = load_model(f"hf:{setup.path}", use_cache=False, threads=THREADS, progress=False)
    load_seconds = time.perf_counter() - start
    backend = hf.backend
    assert isinstance(backend, HFBackend)
    backend.score_batch = 1  # the row's meaning since it was added: one question per pass
    start = time.perf_counter()
    hf_dists = hf.choice_distributions(setup.items)
    t_hf = time.perf_counter() - start
    start = time.perf_counter()
    hf_gen = hf.generate(GEN_PROMPTS[:1], params)
    hf_rate = hf_gen[0].completion_tokens / (time.perf_counter() - start)
    rows = _hf_batched_rows(hf, setup.items, t_llamacpp)
    hf.close()
    agreement = 1 - _max_dp(hf_dists, setup.reused)
    return [
        row(SUITE, "hf_load_seconds", load_seconds, "s", "info"),
        row(SUITE, "llamacpp_vs_hf_scoring_speedup", t_hf / setup.t_reuse, "x", "ratio", True),
        row(
            SUITE, "llamacpp_vs_hf_generation_speedup", generate_rate / hf_rate, "x", "ratio", True
        ),
        row(SUITE, "hf_vs_llamacpp_agreement", agreement, "1-max|dp|", "quality", True, 0.05),
        *rows,
    ]


HF_BATCH = 16  # questions per transformers pass in the batched-scoring rows

# Tokens per llama.cpp pass: one question's suffix (~40 tokens, how the survey stage
# scores today) and sixteen of them (what batching a context's questions would give).
WIDTHS = (40, 640)


def _survey_text() -> str:
    """Real survey questions rendered as the scorer renders them: GSS 2018's 18 spending
    items and 7 demographic questions (the bench's own questions without bench-personas)."""
    try:
        from bench.personas.datasets.registry import load_gss2018
    except ImportError:
        asked = [(q, tuple(o)) for q, o in QUESTIONS]
    else:
        gss = load_gss2018()
        asked = [(q.text, q.options) for q in gss.questions]
        asked += [(t.question, t.options) for t in gss.demographics]
    return "".join(question_block(ChoiceItem("", q, o)) + ANSWER_CUE + "A)\n" for q, o in asked)


def prefill_width_rows(path: str, quick: bool) -> list[dict]:
    """Does a wider llama.cpp pass evaluate tokens faster? The same 640 tokens of real
    survey prompts evaluated 40 and 640 at a time, alternating over repeats at equal
    threads; tokens per CPU second (the machine is shared: CPU time is what the kernels
    cost, wall time what a run waits). A ratio near 1 means that batching several
    questions' suffixes into one pass (multi-sequence decoding) cannot speed scoring up."""
    import llama_cpp

    llm = llama_cpp.Llama(
        model_path=path,
        n_ctx=4096,
        n_batch=max(WIDTHS),
        n_threads=THREADS,
        n_threads_batch=THREADS,
        verbose=False,
    )
    tokens = llm.tokenize(_survey_text().encode(), add_bos=True, special=True)[: max(WIDTHS)]
    cpu: dict[int, list[float]] = {w: [] for w in WIDTHS}
    wall: dict[int, list[float]] = {w: [] for w in WIDTHS}
    for _ in range(2 if quick else 4):
        for width in WIDTHS:
            llm.reset()
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            for i in range(0, len(tokens), width):
                llm.eval(tokens[i : i + width])
            cpu[width].append(time.process_time() - start_cpu)
            wall[width].append(time.perf_counter() - start_wall)
    llm.close()
    narrow, wide = WIDTHS
    rows = [
        row(
            SUITE,
            f"llamacpp_prefill_width{w}_tokens_per_s",
            len(tokens) / min(cpu[w]),
            "tok/s",
            "info",
        )
        for w in WIDTHS
    ]
    for label, times in (("cpu", cpu), ("wall", wall)):
        ratio = float(np.median(np.array(times[narrow]) / np.array(times[wide])))
        name = f"llamacpp_prefill_width{wide}_{label}_speedup_vs_width{narrow}"
        rows.append(row(SUITE, name, ratio, "x", "ratio", True))
    return rows


def run(quick: bool) -> list[dict]:
    import llama_cpp

    from bench.common.inference.embedded import embedded_gguf_path

    n_questions = 8 if quick else 20
    params = SamplingParams(temperature=1.0, top_p=1.0, max_tokens=16 if quick else 64, seed=0)
    path = str(embedded_gguf_path())
    plain = llama_cpp.Llama(
        model_path=path, n_ctx=4096, n_threads=THREADS, n_threads_batch=1, verbose=False
    )
    setup = Setup(
        quick=quick,
        items=[ChoiceItem(BACKSTORY, q, tuple(o)) for q, o in QUESTIONS[:n_questions]],
        model=load_model("embedded", seed=0, use_cache=False, threads=THREADS, progress=False),
        plain=plain,
        path=path,
    )
    backstory_tokens = len(plain.tokenize(BACKSTORY.encode()))
    rows = [row(SUITE, "backstory_tokens", backstory_tokens, "tokens", "info")]
    rows += _scoring_rows(setup)
    rows += _compliance_rows(setup)
    rows += _sampling_rows(setup)
    rows += _generation_rows(setup, params)
    setup.model.close()
    plain.close()
    rows += prefill_width_rows(path, quick)
    if not quick:  # GGUF dequantisation alone takes tens of seconds
        rate = next(r["value"] for r in rows if r["name"] == "generate_batch1_tokens_per_s")
        rows += _hf_rows(setup, params, rate)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the short version (< 2 minutes)")
    args = parser.parse_args()
    start = time.perf_counter()
    rows = run(quick=args.quick)
    print(f"{'name':45s} {'value':>12s}  unit      kind")
    for r in rows:
        print(f"{r['name']:45s} {r['value']:12.4g}  {r['unit']:9s} {r['kind']}")
    print(f"({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
