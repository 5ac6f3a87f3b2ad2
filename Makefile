# landlink-gis: `make demo` runs the check on the bundled sample, `make test` runs the tests.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE ?= bazhong_demo
STAMP := $(VENV)/.installed

.PHONY: demo test test-quick venv lint clean samples bench bench-100k bench-dask system-deps fuzz qgis-plugin

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,notebook,dask]'
	$(BIN)/pip install -q --no-deps gdal-utils
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	mkdir -p out
	$(BIN)/landlink check data/samples/$(SAMPLE)/project.toml -o out/$(SAMPLE)_checked.gpkg --report --xlsx; \
	  rc=$$?; if [ $$rc -eq 2 ]; then exit 2; fi; echo "landlink exit code: $$rc (1 = the sample's planted error findings)"

# the system packages the tests need (PostgreSQL/PostGIS, Chromium, a CJK font): idempotent, sudo when not root
system-deps:
	bash scripts/ci/system-deps.sh

test: system-deps $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/python -m pytest -q --nbmake tests notebooks

# the tests that need no system service (no PostGIS, Chromium, QGIS or LibreOffice), no sudo: a few minutes
test-quick: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/python -m pytest -q -m "not service" tests

# the seeded fuzzer with many more cases than the test run's 300
fuzz: $(STAMP)
	LANDLINK_FUZZ_CASES=5000 $(BIN)/python -m pytest -q tests/hostile/test_fuzz.py

samples: $(STAMP)
	$(BIN)/python scripts/make_samples.py

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts

# 1M plots on 2M land-survey polygons, the five data shapes side by side (over an hour on 2 cores,
# about 25 GB of data under out/bench; scripts/bench/RESULTS.md); bench-100k: the same at 100,000
# plots (scripts/bench/RESULTS-100k.md); bench-dask: the dask engine on 1…16 workers (a bigger machine)
bench: $(STAMP)
	$(BIN)/python scripts/bench/run.py --size county --plots 1000000 --landuse 2000000 \
		--shape partial,holes,containment,slivers,holes_noise --methods arrow,engine,engine1,engine_geom,floor,check,geopandas,postgis --first-only ""

bench-100k: $(STAMP)
	$(BIN)/python -c "import pyinstrument" 2>/dev/null || $(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python scripts/bench/run.py --size county --shape partial,holes,containment,slivers,holes_noise --plots 100000 \
		--results scripts/bench/RESULTS-100k.md

bench-dask: $(STAMP)
	test -f out/bench/county-partial-100000/project.toml || $(BIN)/python scripts/bench/generate.py \
		--size county --shape partial --plots 100000 --out out/bench/county-partial-100000
	$(BIN)/python scripts/bench/dask_scaling.py out/bench/county-partial-100000 --workers 1,2,4,8,16

# the QGIS plugin (Processing provider) as an installable zip: dist/landlink_qgis.zip
qgis-plugin:
	mkdir -p dist
	rm -f dist/landlink_qgis.zip
	cd qgis_plugin && $(PY) -c "import pathlib, zipfile; z = zipfile.ZipFile('../dist/landlink_qgis.zip', 'w', zipfile.ZIP_DEFLATED); [z.write(p) for p in sorted(pathlib.Path('landlink_qgis').rglob('*')) if p.is_file() and '__pycache__' not in p.parts]; z.close()"
	@echo "→ dist/landlink_qgis.zip (QGIS: Plugins → Manage and Install Plugins → Install from ZIP)"

clean:
	rm -rf out .pytest_cache
