# credcase — two commands on a fresh Debian machine (as root): `make run`, `make test`.
# Set-up is idempotent: stamps make a second call cost about a second.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
CREDCASE := $(VENV)/bin/credcase
STAMP := $(VENV)/.stamp
APT_STAMP := /var/lib/credcase-apt.stamp
APT_PACKAGES := tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-osd \
	fonts-noto-cjk fonts-dejavu-core fonts-liberation2 fonts-wqy-microhei fonts-wqy-zenhei \
	python3-venv libgl1 libglib2.0-0
export OMP_THREAD_LIMIT := 1
SAMPLE_ARCHIVE := samples/archive
RUN_OUT := out/run
EVAL_ARCHIVE := out/eval-archive
EVAL_OUT := out/eval
# "today" of the generated sample corpus (samples.people.REFERENCE_DATE): validity is checked against it
SAMPLE_DATE := 2025-06-30

.PHONY: setup apt venv run test test-fast lint eval bench clean

setup: apt venv

apt: $(APT_STAMP)
$(APT_STAMP): Makefile
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing apt packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi; \
	command -v tesseract >/dev/null || { echo "tesseract missing after apt install"; exit 1; }
	@touch $@

venv: $(STAMP)
$(STAMP): pyproject.toml $(APT_STAMP)
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	@touch $@

run: setup
	$(CREDCASE) samples generate --out $(SAMPLE_ARCHIVE) --applicants 10 --seed 2022 --if-missing
	$(CREDCASE) ingest $(SAMPLE_ARCHIVE) --out $(RUN_OUT) --application-date $(SAMPLE_DATE); rc=$$?; \
	echo "报告 / report: $$(pwd)/$(RUN_OUT)/index.html"; [ $$rc -le 1 ]

test: setup
	$(PY) -m pytest -q -n 2 --dist loadfile

# the inner loop: everything but the tests that run a real OCR engine (under 2 minutes)
test-fast: setup
	$(PY) -m pytest -q -n 2 --dist loadfile -m "not ocr"

lint: setup
	$(VENV)/bin/ruff check pipeline extractors catalog samples tests
	$(VENV)/bin/mypy

eval: setup
	$(CREDCASE) samples generate --out $(EVAL_ARCHIVE) --applicants 40 --seed 4040 --defect-rate 0.6 --if-missing
	$(CREDCASE) ingest $(EVAL_ARCHIVE) --out $(EVAL_OUT) --application-date $(SAMPLE_DATE); [ $$? -le 1 ]
	$(CREDCASE) evaluate $(EVAL_OUT) --truth $(EVAL_ARCHIVE)

bench: setup
	$(PY) -m pipeline.measure.bench --out out/bench
	$(PY) -m catalog.bench

clean:
	rm -rf out
