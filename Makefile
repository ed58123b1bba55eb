# twoknow_text: set-up, demo and tests on a fresh machine (Python 3.11, CPU).
#   make demo   create .venv, install, run batch theme extraction on the bundled sample
#   make test   install everything (+ Label Studio in its own venv), run the whole suite
PY      ?= python3
VENV    := .venv
LSVENV  := .venv-ls
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
LSSTAMP := $(LSVENV)/.installed
LS_VERSION := 1.23.2
DEMO_OUT ?= out/demo
# Offline at run time: no hub, no telemetry (the package sets these too).
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1
export ORT_DISABLE_TELEMETRY=1
export DO_NOT_TRACK=1
export PIP_DISABLE_PIP_VERSION_CHECK=1

.PHONY: install install-ls demo test test-fast bench clean

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	# CPU torch first, alone: an unpinned torch would pull GBs of CUDA.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -c requirements/constraints.txt -e ".[test,onnx]"
	# compile umap-learn's and the layout's numba code into ~/.cache/twoknow_text/numba once (~20 s), not in every first run
	$(BIN)/python -m twoknow_text.themes._layout
	# let backend 'auto' probe this CPU once (bf16 on AMX, else ONNX int8 v2) and remember it in ~/.cache/twoknow_text
	$(BIN)/python -c "from twoknow_text.embedding import Embedder; print('embedding backend here:', Embedder().model_id)"
	touch $(STAMP)

install: $(STAMP)

# Label Studio's server pins Django and more: it lives in its own venv.
$(LSSTAMP):
	test -x $(LSVENV)/bin/python || $(PY) -m venv $(LSVENV)
	$(LSVENV)/bin/pip install -q -c requirements/labelstudio-constraints.txt label-studio==$(LS_VERSION)
	touch $(LSSTAMP)

install-ls: $(LSSTAMP)

demo:
	$(MAKE) -j2 $(STAMP) $(LSSTAMP)
	$(BIN)/twoknow themes src/twoknow_text/data/sample/survey_sample.csv --format wide --id-col respondent_id \
	    --language-col language --text-col q1_led_to_it --text-col q2_made_easier --text-col q3_situations --text-col q4_stops_you \
	    --out $(DEMO_OUT) --seed 42
	@echo "Report: $(abspath $(DEMO_OUT))/report.html"

test:
	# the two venvs install in parallel: they share nothing
	$(MAKE) -j2 $(STAMP) $(LSSTAMP)
	TWOKNOW_LS_VENV=$(abspath $(LSVENV)) $(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not labelstudio"

bench: $(STAMP) $(LSSTAMP)
	for f in benchmarks/*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) $(LSVENV) out .pytest_cache
