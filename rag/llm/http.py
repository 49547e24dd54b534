"""A client of OpenAI-compatible chat servers (vLLM, llama.cpp's ``llama-server``, Ollama).

:class:`OpenAIGenerator` streams ``/v1/chat/completions`` as Server-Sent Events with the
standard library only, and turns every connection, HTTP and stream failure into a
:class:`~rag.errors.GeneratorError` with a one-line message.
"""

from __future__ import annotations

import http.client
import json
import math
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from rag.errors import GeneratorError, first_line
from rag.llm.base import check_request, label, stop_list, until_stop, yes_share


def _endpoint(base_url: str) -> str:
    """``.../v1/chat/completions`` from a server address with or without ``/v1``."""
    url = base_url.strip().rstrip("/")
    if url.endswith("/chat/completions"):
        return url
    if not url.endswith("/v1"):
        url += "/v1"
    return url + "/chat/completions"


def _sse_data(lines: Iterable[bytes]) -> Iterator[str]:
    """The ``data`` payloads of a Server-Sent Events stream, one per event.

    Multi-line data fields are joined with newlines; comments (``: ping``), ``event:``
    and ``id:`` lines are skipped; an event not closed by a blank line at the end of the
    stream still counts.
    """
    data: list[str] = []
    for raw in lines:
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif not line and data:
            yield "\n".join(data)
            data = []
    if data:
        yield "\n".join(data)


def _server_message(body: bytes) -> str:
    """The error text of a server's JSON error body, else the start of the body."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:200]
    if isinstance(data, dict):
        error = data.get("error", data)
        if isinstance(error, dict):
            error = error.get("message") or error.get("detail") or error
        if isinstance(error, str):
            return " ".join(error.split())
        for key in ("message", "detail"):
            if isinstance(data.get(key), str):
                return " ".join(data[key].split())
    return " ".join(text.split())[:200]


class OpenAIGenerator:
    """A client of an OpenAI-compatible chat server (vLLM, llama.cpp server, Ollama).

    Streams ``/v1/chat/completions`` with ``temperature: 0``, using only the standard
    library. Stop strings are sent to the server and also enforced here.

    Args:
        base_url: The server, e.g. ``http://127.0.0.1:8080`` or ``http://host:8000/v1``.
        model: The model name the server knows it by.
        timeout: Seconds to wait to connect and, during the answer, for each next piece
            (not for the whole answer).
        api_key: Sent as ``Authorization: Bearer ...`` if given.
        context_window: Tokens the served model accepts; the server does not say, so it
            is a setting.

    Attributes:
        last_tokens: Content pieces of the most recent stream (servers send about one
            per token).

    Raises:
        GeneratorError: If ``base_url`` is not an http(s) URL.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        timeout: float = 60.0,
        api_key: str | None = None,
        context_window: int = 8192,
    ) -> None:
        if urllib.parse.urlsplit(base_url.strip()).scheme not in ("http", "https"):
            raise GeneratorError(
                f"chat server address {base_url!r} is not a URL: set RAG_LLM_URL to "
                "http://host:port (an OpenAI-compatible server)"
            )
        self.name = model
        self.base_url = base_url
        self.url = _endpoint(base_url)
        self.timeout = timeout
        self.api_key = api_key
        self.context_window = context_window
        self.last_tokens = 0

    def count_tokens(self, text: str) -> int:
        """Estimate tokens of ``text``, erring high: no tokenizer is at hand.

        One token per non-ASCII character and one per three ASCII characters. Measured
        with the Qwen2.5 tokenizer on the corpus articles (about 0.7 tokens per
        character of Korean news, 0.22 per character of English) this overestimates by
        about 4% for Korean and 40% for English; tokenizers with more Korean in their
        vocabulary (Gemma, EXAONE) need fewer tokens still.
        """
        ascii_chars = sum(1 for c in text if c.isascii())
        return (len(text) - ascii_chars) + -(-ascii_chars // 3)

    def _request(
        self,
        messages: list[dict[str, str]],
        max_new_tokens: int,
        stop: Sequence[str],
        **extra: Any,
    ) -> urllib.request.Request:
        body: dict[str, Any] = {
            "model": self.name,
            "messages": messages,
            "stream": True,
            "temperature": 0,
            "max_tokens": max_new_tokens,
            **extra,
        }
        if stop_list(stop):
            body["stop"] = stop_list(stop)
        accept = "text/event-stream" if body["stream"] else "application/json"
        headers = {"Content-Type": "application/json", "Accept": accept}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return urllib.request.Request(
            self.url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST"
        )

    def _open(self, request: urllib.request.Request) -> http.client.HTTPResponse:
        """Send the request.

        Raises:
            GeneratorError: On a refused or failed connection, a timeout or an HTTP error.
        """
        # A proxy from the environment never serves this machine's own ports.
        local = urllib.parse.urlsplit(self.url).hostname in ("localhost", "127.0.0.1", "::1")
        opener = urllib.request.build_opener(*([urllib.request.ProxyHandler({})] if local else []))
        try:
            return opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            try:
                detail = _server_message(exc.read())
            except (OSError, http.client.HTTPException):
                detail = ""
            message = f"chat server {self.url} answered HTTP {exc.code}: {detail or exc.reason}"
            if exc.code in (404, 405):
                message += "; check RAG_LLM_URL (an OpenAI-compatible server) and the model name"
            elif exc.code in (401, 403):
                message += "; check the API key"
            raise GeneratorError(message) from exc
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise self._timeout() from exc
            if isinstance(reason, ConnectionRefusedError):
                raise GeneratorError(
                    f"cannot reach the chat server at {self.url}: connection refused; "
                    "start the server or fix RAG_LLM_URL"
                ) from exc
            raise GeneratorError(
                f"cannot reach the chat server at {self.url}: {reason}; "
                "check that it runs and RAG_LLM_URL"
            ) from exc
        except TimeoutError as exc:
            raise self._timeout() from exc
        except (OSError, http.client.HTTPException) as exc:
            raise GeneratorError(
                f"connection to the chat server at {self.url} failed: {first_line(exc)}; "
                "check that it runs and RAG_LLM_URL"
            ) from exc

    def _timeout(self) -> GeneratorError:
        return GeneratorError(
            f"chat server {self.url} did not answer within {self.timeout:g} s; check that it "
            "is running and not overloaded, or raise the timeout"
        )

    def _lost(self, exc: BaseException) -> GeneratorError:
        return GeneratorError(
            f"lost the connection to the chat server at {self.url}: {first_line(exc)}"
        )

    def _malformed(self, what: str) -> GeneratorError:
        return GeneratorError(
            f"chat server {self.url} sent a malformed stream ({what}); "
            "is RAG_LLM_URL an OpenAI-compatible server?"
        )

    def _pieces(self, response: http.client.HTTPResponse) -> Iterator[str]:
        """Content pieces of the stream; a JSON (non-streamed) answer is one piece.

        Raises:
            GeneratorError: If the stream is malformed, reports an error, or ends before
                ``[DONE]`` or a ``finish_reason``.
        """
        if "application/json" in response.headers.get("Content-Type", ""):
            yield self._whole_answer(response.read())
            return
        finished = False
        for payload in _sse_data(response):
            if payload.strip() == "[DONE]":
                return
            try:
                chunk = json.loads(payload)
            except ValueError:
                raise self._malformed(f"not JSON: {payload[:60]!r}") from None
            if not isinstance(chunk, dict):
                raise self._malformed(f"not an object: {payload[:60]!r}")
            if "error" in chunk or chunk.get("object") == "error":  # OpenAI / vLLM style
                message = _server_message(payload.encode("utf-8"))
                raise GeneratorError(f"chat server {self.url} failed: {message}")
            choices = chunk.get("choices")
            if not isinstance(choices, list):
                raise self._malformed("a chunk without choices")
            if not choices or not isinstance(choices[0], dict):  # e.g. a usage-only chunk
                continue
            delta = choices[0].get("delta")
            content = delta.get("content") if isinstance(delta, dict) else None
            if isinstance(content, str) and content:
                self.last_tokens += 1
                yield content
            finished = finished or bool(choices[0].get("finish_reason"))
        if not finished:
            raise GeneratorError(
                f"chat server {self.url} closed the stream before the answer ended"
            )

    def _whole_answer(self, body: bytes) -> str:
        try:
            return json.loads(body)["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError):
            raise self._malformed("a JSON answer without choices[0].message.content") from None

    def yes_probability(self, messages: list[dict[str, str]]) -> float | None:
        """P(YES) / (P(YES) + P(NO)) for the reply's first token, from the server's logprobs.

        Returns:
            None when the server sends no ``top_logprobs`` or neither word is among them.

        Raises:
            GeneratorError: On connection, timeout or HTTP errors.
        """
        check_request(messages, 1)
        request = self._request(messages, 1, (), stream=False, logprobs=True, top_logprobs=10)
        response = self._open(request)
        try:
            reply = json.loads(response.read())
            top = reply["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
            labelled = [(label(t["token"]), math.exp(t["logprob"])) for t in top]
        except (ValueError, KeyError, IndexError, TypeError):
            return None
        except (OSError, http.client.HTTPException) as exc:
            raise self._lost(exc) from exc
        finally:
            response.close()
        return yes_share((is_yes, p) for is_yes, p in labelled if is_yes is not None)

    def stream(
        self, messages: list[dict[str, str]], max_new_tokens: int, stop: Sequence[str] = ()
    ) -> Iterator[str]:
        """Yield the server's answer piece by piece.

        The request is sent when the first piece is requested; closing the iterator
        closes the connection, which makes vLLM and llama.cpp stop generating.

        Raises:
            ValueError: If a message is malformed or ``max_new_tokens < 1``.
            GeneratorError: On connection, timeout, HTTP or stream errors (while iterating).
        """
        check_request(messages, max_new_tokens)
        return self._stream(self._request(messages, max_new_tokens, stop), stop)

    def _stream(self, request: urllib.request.Request, stop: Sequence[str]) -> Iterator[str]:
        self.last_tokens = 0
        response = self._open(request)
        try:
            yield from until_stop(self._pieces(response), stop)
        except TimeoutError as exc:
            raise self._timeout() from exc
        except (OSError, http.client.HTTPException) as exc:
            raise self._lost(exc) from exc
        finally:
            response.close()


__all__ = ["OpenAIGenerator"]
