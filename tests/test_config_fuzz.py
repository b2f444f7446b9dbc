"""Whatever YAML a user writes, config loading answers with problems or a
ConfigError, never another exception."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selbuild import config as C
from selbuild.errors import ConfigError

KEYS = ["schema_version", "name", "models", "path", "sha256", "targets", "profile", "ops", "extra_ops",
        "backends", "fallback", "build", "lto", "cache_dir", "compiler_launcher", "conv2d.f32", "x"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False),
                    st.text(max_size=12), st.sampled_from(["host", "size", "cpu", "m.tflite", "a\x00b", "."]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)), max_leaves=12)
documents = st.dictionaries(st.sampled_from(KEYS), values, max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(documents)
def test_random_documents(tmp_path, doc):
    p = tmp_path / "c.yaml"
    p.write_text(yaml.safe_dump(doc))
    try:
        cfg, problems = C.validate(p)
    except ConfigError:
        return
    assert all(isinstance(w, str) and isinstance(m, str) for w, m in problems)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.text(max_size=80))
def test_random_text(tmp_path, text):
    p = tmp_path / "c.yaml"
    p.write_text(text, encoding="utf-8", errors="surrogatepass") if "\ud800" not in text else None
    if not p.exists():
        return
    try:
        C.validate(p)
    except ConfigError:
        pass


@pytest.mark.parametrize("path", ["a\\0b.tflite", "", ".", "/"])
def test_odd_model_paths_are_problems(tmp_path, path):
    (tmp_path / "c.yaml").write_text(f'schema_version: 1\nname: x\nmodels:\n  - path: "{path}"\n'
                                     "targets: [host]\n")
    cfg, problems = C.validate(tmp_path / "c.yaml")
    assert any(w.startswith("models[0].path") for w, _ in problems)


def test_non_utf8_file(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(ConfigError):
        C.load_config(p)


# Found by bench/fuzz_python.py: PyYAML's constructors call int()/float() on what
# a tag claims and raise ValueError, not YAMLError; a self-referencing alias made
# the line-number walk recurse until RecursionError.
@pytest.mark.parametrize("value", ["!!int 0x", "!!float abc", "!!int " + "9" * 5000])
def test_values_that_do_not_match_their_tag(tmp_path, value):
    p = tmp_path / "c.yaml"
    p.write_text(f"schema_version: 1\nname: {value}\n")
    with pytest.raises(ConfigError, match="does not match its tag"):
        C.load_config(p, check_models=False)


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {b: [1, *a]}\n", "- &x\n  - *x\n"])
def test_cyclic_alias_is_refused(tmp_path, text):
    p = tmp_path / "c.yaml"
    p.write_text(text)
    with pytest.raises(ConfigError, match="refers to a collection that contains it"):
        C.load_config(p, check_models=False)


# Found by bench/fuzz_python.py (case 10956 of seed 1): a model path written as
# "\ud800" reached Path.resolve(), which raised UnicodeEncodeError.
@pytest.mark.parametrize("text", ['models:\n  - path: "\\ud800.tflite"\n', 'name: "a\\udfffb"\n',
                                  '"\\ud800": 1\n'])
def test_unpaired_surrogate_escapes_are_refused(tmp_path, text):
    p = tmp_path / "c.yaml"
    p.write_text("schema_version: 1\n" + text)
    with pytest.raises(ConfigError, match="unpaired UTF-16 surrogate"):
        C.load_config(p)
