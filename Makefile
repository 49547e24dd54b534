# Two commands do all the set-up on a fresh machine:
#   make chat   install, fetch the models if the fetch tool is beside us, build the index, ask
#   make test   install, lint and run the test suite (what CI runs)
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
Q ?= 2024년 전국민 인공지능 일상화 예산은 얼마인가?

.PHONY: install test chat models lint

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	# The CPU build of torch first: an unpinned torch pulls a multi-GB CUDA build.
	$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	# llama-cpp-python has no binary wheel on PyPI: the first install compiles llama.cpp
	# (8-9 minutes on 2 cores); pip caches the wheel, so every later install takes seconds.
	# Pinned so that a new release does not mean a new compile.
	$(PY) -m pip install -q --disable-pip-version-check llama-cpp-python==0.3.36
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	touch $@

install: $(VENV)/.installed

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest

MODELS := $(or $(RAG_MODELS_DIR),$(HOME)/.cache/rag-models)
# The chat model get-models provides here; any id, folder or .gguf works (RAG_LLM_MODEL).
GGUF := $(MODELS)/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
export RAG_LLM_MODEL ?= $(if $(wildcard $(GGUF)),$(GGUF),Qwen/Qwen2.5-1.5B-Instruct)

models:
	@if [ -x ../shared/tools/get-models ]; then ../shared/tools/get-models; \
	else echo "put the models on disk (see README: Models), or set RAG_EMBED_MODEL/RAG_LLM_MODEL"; fi

chat: install models
	$(BIN)/rag build
	$(BIN)/rag ask "$(Q)"
