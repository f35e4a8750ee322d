"""Ollama and OpenAI(-compatible) backends against the loopback server speaking the real protocols."""

from __future__ import annotations

import threading
import time

import pytest

from clinsum.backends import GenerationOptions, backend_status, get_backend
from clinsum.errors import BackendUnavailable
from tests.fakes.llm_server import LLMServer, free_port_url, pieces_of

RECORD = "Paciente de 70 años con disnea. Ingresa por insuficiencia cardiaca. Alta a domicilio."
MESSAGES = [{"role": "system", "content": "Resume el informe."},
            {"role": "user", "content": RECORD}]


def _backend(kind: str, server: LLMServer, model: str = "phi4:latest", **config):
    if kind == "ollama":
        return get_backend("ollama", model, host=server.ollama_host, **config)
    return get_backend("openai-compatible", model, base_url=server.openai_base_url,
                       max_retries=0, **config)


BOTH = pytest.mark.parametrize("kind", ["ollama", "openai-compatible"])


# -- the fake server itself -----------------------------------------------------------------
def test_fake_server_serves_with_bounded_capacity_and_records_calls():
    with LLMServer(latency=0.15, capacity=2) as server:
        backend = _backend("ollama", server)
        threads = [threading.Thread(target=backend.generate,
                                    args=(MESSAGES, GenerationOptions())) for _ in range(4)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
    assert len(server.calls) == 4
    assert server.peak_concurrency == 2 and server.peak_requests == 4
    assert wall >= 0.3  # two waves of 0.15 s
    assert all(c.end >= c.start + 0.15 for c in server.calls)


# -- generate / stream ----------------------------------------------------------------------
@BOTH
def test_generate_returns_text_tokens_and_forwards_options(kind, llm_server):
    backend = _backend(kind, llm_server)
    options = GenerationOptions(temperature=0.7, top_p=0.9, top_k=40, repetition_penalty=1.1,
                                max_new_tokens=77, seed=3, stop=["###"])
    result = backend.generate(MESSAGES, options)
    expected = llm_server.responder(MESSAGES, "phi4:latest")
    assert result.text == expected and result.raw == expected
    assert result.completion_tokens == len(pieces_of(expected))
    assert result.prompt_tokens == sum(len(m["content"].split()) for m in MESSAGES)
    assert result.backend == kind and result.model == "phi4:latest"
    assert result.timings["total"] > 0
    call = llm_server.calls[-1]
    assert call.messages == MESSAGES and call.stream is False
    if kind == "ollama":
        assert call.options == {"num_predict": 77, "temperature": 0.7, "top_p": 0.9, "top_k": 40,
                                "repeat_penalty": 1.1, "seed": 3, "stop": ["###"]}
    else:
        body = call.body
        assert (body["max_tokens"], body["temperature"], body["top_p"], body["seed"]) == (77, 0.7, 0.9, 3)
        assert body["stop"] == ["###"] and body["top_k"] == 40 and body["repetition_penalty"] == 1.1


@BOTH
def test_stream_yields_pieces_and_leaves_result(kind, llm_server):
    llm_server.token_delay = 0.01
    stream = _backend(kind, llm_server).stream(MESSAGES, GenerationOptions(temperature=0))
    pieces = list(stream)
    expected = llm_server.responder(MESSAGES, "phi4:latest")
    assert len(pieces) == len(pieces_of(expected)) > 3
    assert "".join(pieces) == expected == stream.result.text
    assert stream.result.completion_tokens == len(pieces)
    assert stream.result.prompt_tokens > 0
    assert 0 < stream.result.timings["first_token"] <= stream.result.timings["total"]
    call = llm_server.calls[-1]
    assert call.stream is True
    temperature = call.options["temperature"]
    assert temperature == 0.0  # greedy → temperature 0 on the wire
    if kind == "openai-compatible":
        assert call.body["stream_options"] == {"include_usage": True}


@BOTH
def test_reasoning_block_is_stripped_but_kept_raw(kind, llm_server):
    llm_server.responder = lambda messages, model: "<think>\nlet me think\n</think>\nResumen: bien."
    backend = _backend(kind, llm_server, model="qwen3:0.6b")
    result = backend.generate(MESSAGES, GenerationOptions())
    assert result.text == "Resumen: bien."
    assert result.raw.startswith("<think>") and "let me think" in result.raw
    stream = backend.stream(MESSAGES, GenerationOptions())
    assert "".join(stream).startswith("<think>")
    assert stream.result.text == "Resumen: bien."


def test_list_models_and_status(llm_server):
    assert get_backend("ollama", "x").list_models(host=llm_server.ollama_host) == sorted(llm_server.models)
    from clinsum.backends.openai_compat import OpenAICompatibleBackend

    assert OpenAICompatibleBackend.list_models(base_url=llm_server.url) == sorted(llm_server.models)
    statuses = {s.name: s for s in backend_status({
        "ollama": {"host": llm_server.ollama_host},
        "openai-compatible": {"base_url": llm_server.openai_base_url}})}
    assert statuses["ollama"].available and "phi4:latest" in statuses["ollama"].detail
    assert statuses["openai-compatible"].available


# -- failures -------------------------------------------------------------------------------
@BOTH
@pytest.mark.parametrize("mode", ["generate", "stream"])
def test_server_down_is_backend_unavailable(kind, mode):
    url = free_port_url()
    config = {"host": url} if kind == "ollama" else {"base_url": url, "max_retries": 0}
    backend = get_backend(kind, "phi4:latest", **config)
    with pytest.raises(BackendUnavailable, match="not reachable") as info:
        if mode == "generate":
            backend.generate(MESSAGES, GenerationOptions(timeout=3))
        else:
            list(backend.stream(MESSAGES, GenerationOptions(timeout=3)))
    assert info.value.hint


@BOTH
def test_disconnect_mid_stream_is_backend_unavailable(kind, llm_server):
    llm_server.disconnect_next(1, after=2)
    stream = _backend(kind, llm_server).stream(MESSAGES, GenerationOptions())
    received = []
    with pytest.raises(BackendUnavailable, match="lost"):
        for piece in stream:
            received.append(piece)
    assert len(received) == 2
    assert llm_server.calls[-1].outcome == "disconnected"


def test_model_not_pulled_shows_ollama_pull(llm_server):
    backend = _backend("ollama", llm_server, model="mistral:7b")
    for run in (lambda: backend.generate(MESSAGES, GenerationOptions()),
                lambda: list(backend.stream(MESSAGES, GenerationOptions()))):
        with pytest.raises(BackendUnavailable) as info:
            run()
        assert "ollama pull mistral:7b" in info.value.hint
        assert "not pulled" in info.value.message


def test_unknown_model_on_compatible_server(llm_server):
    with pytest.raises(BackendUnavailable, match="not available") as info:
        _backend("openai-compatible", llm_server, model="gpt-9").generate(MESSAGES, GenerationOptions())
    assert "clinsum models openai-compatible" in info.value.hint


@BOTH
def test_slow_server_times_out(kind, llm_server):
    llm_server.latency = 1.5
    started = time.perf_counter()
    with pytest.raises(BackendUnavailable, match="did not answer within 0.3 s"):
        _backend(kind, llm_server).generate(MESSAGES, GenerationOptions(timeout=0.3))
    assert time.perf_counter() - started < 1.4


@BOTH
def test_server_error_is_reported(kind, llm_server):
    llm_server.fail_next(1, status=503)
    with pytest.raises(BackendUnavailable, match="503"):
        _backend(kind, llm_server).generate(MESSAGES, GenerationOptions())
    # the next call succeeds
    assert _backend(kind, llm_server).generate(MESSAGES, GenerationOptions()).text


def test_rate_limit_and_retries(llm_server):
    llm_server.fail_next(1, status=429)
    with pytest.raises(BackendUnavailable, match="rate limit"):
        _backend("openai-compatible", llm_server).generate(MESSAGES, GenerationOptions())
    llm_server.fail_next(1, status=500)
    backend = get_backend("openai-compatible", "phi4:latest", base_url=llm_server.url,
                          max_retries=1)
    assert backend.generate(MESSAGES, GenerationOptions()).text  # retried once, then fine
    assert [c.status for c in llm_server.calls[-2:]] == [500, 200]


def test_api_key_required_sent_and_checked(monkeypatch, llm_server):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setattr("clinsum.secrets.read_secrets", lambda: {})
    with pytest.raises(BackendUnavailable, match="No OpenAI API key") as info:
        get_backend("openai", "gpt-4o-mini", base_url=llm_server.url).generate(
            MESSAGES, GenerationOptions())
    assert "OPENAI_API_KEY" in info.value.hint
    with pytest.raises(BackendUnavailable, match="not accepted"):
        get_backend("openai-compatible", "m", base_url=llm_server.url, api_key="sk-x")

    llm_server.api_key = "sk-test-right-key-1234"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-wrong-key-9999")
    with pytest.raises(BackendUnavailable, match="rejected the API key") as info:
        _backend("openai-compatible", llm_server).generate(MESSAGES, GenerationOptions())
    assert "wrong-key" not in str(info.value)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-right-key-1234")
    llm_server.models.append("gpt-4o-mini")
    result = get_backend("openai", "gpt-4o-mini", base_url=llm_server.url,
                         max_retries=0).generate(MESSAGES, GenerationOptions(max_new_tokens=50))
    assert result.text
    call = llm_server.calls[-1]
    assert call.headers["authorization"] == "Bearer sk-test-right-key-1234"
    assert call.body["max_completion_tokens"] == 50 and "max_tokens" not in call.body
    assert get_backend("openai", "x").list_models(base_url=llm_server.url) == ["gpt-4o-mini"]


def test_compatible_base_url_from_environment(monkeypatch, llm_server):
    monkeypatch.setenv("OPENAI_BASE_URL", llm_server.url)  # no /v1: added
    backend = get_backend("openai-compatible", "phi4:latest", max_retries=0)
    assert backend.base_url == llm_server.openai_base_url
    assert backend.generate(MESSAGES, GenerationOptions()).text
    monkeypatch.delenv("OPENAI_BASE_URL")
    with pytest.raises(BackendUnavailable, match="No address"):
        get_backend("openai-compatible", "phi4:latest")


def test_ollama_host_from_environment(monkeypatch, llm_server):
    monkeypatch.setenv("OLLAMA_HOST", llm_server.ollama_host.removeprefix("http://"))
    backend = get_backend("ollama", "phi4:latest")
    assert backend.host == llm_server.ollama_host
    assert backend.generate(MESSAGES, GenerationOptions()).text


def test_ollama_keep_alive_and_beam_reported_as_ignored(llm_server):
    backend = _backend("ollama", llm_server, keep_alive="10m")
    result = backend.generate(MESSAGES, GenerationOptions(temperature=0, num_beams=4))
    assert llm_server.calls[-1].body["keep_alive"] == "10m"
    assert result.meta["ignored"] == ["num_beams"]
    assert llm_server.calls[-1].options["temperature"] == 0.0
