"""Each stage module's public names (``__all__``), pinned.

A name added to or dropped from a stage's ``__all__`` is an API change: this
test makes it a deliberate one (update the list below in the same change,
and tell the lead which names the package ``__init__`` re-exports). Every
name listed must also exist in its module.
"""

from __future__ import annotations

import importlib

import pytest

PINNED: dict[str, list[str]] = {
    'twoknow_text': [
        'AgreementError', 'AgreementReport', 'Category', 'Code', 'Codebook', 'CodebookError', 'ConfigError',
        'Corpus', 'DeidConfig', 'DeidError', 'DeidReport', 'Deidentifier', 'DetectedSpan', 'Embedder', 'InputError',
        'LabelStudioError', 'ModelError', 'ReadOptions', 'ReadReport', 'Response', 'SkippedRow', 'ThemeError',
        'ThemeModel', 'ThemesConfig', 'TwoknowError', '__version__', 'cohen_kappa', 'connect',
        'default_codebook_path', 'deidentify', 'deidentify_file', 'disagreements', 'fleiss_kappa',
        'frequency_report', 'gwet_ac1', 'krippendorff_alpha', 'labelling_config', 'load_codebook', 'load_sample',
        'per_code_table', 'read_survey', 'reliability_data', 'run_themes', 'sample_path', 'save_codebook',
        'start_server', 'verify_deidentified', 'wilson_interval', 'write_report'
    ],
    'twoknow_text.records': [
        'CORE_COLUMNS', 'Corpus', 'Response'
    ],
    'twoknow_text.errors': [
        'AgreementError', 'AutocodeError', 'CodebookError', 'ConfigError', 'DeidError', 'InputError', 'LabelStudioError',
        'ModelError', 'ThemeError', 'TwoknowError'
    ],
    'twoknow_text.config': [
        'MAX_YAML_DEPTH', 'StrictModel', 'check_yaml_depth', 'load_config', 'load_yaml', 'safe_load_yaml'
    ],
    'twoknow_text.manifest': [
        'MANIFEST_NAME', 'build_manifest', 'file_sha256', 'package_versions', 'write_manifest'
    ],
    'twoknow_text._io': [
        'OutputSet', 'PART_PREFIX', 'atomic_open', 'atomic_path', 'check_output_paths', 'clean_stale_parts',
        'neutralise_formulas', 'output_set', 'read_table_file', 'replace_folder', 'restore_formulas', 'spreadsheet_safe',
        'unquote_formula', 'verify_output_set', 'write_json', 'write_table'
    ],
    'twoknow_text._interrupt': [
        'Terminated', 'deferred', 'exit_status', 'handlers_installed', 'install_handlers', 'last_signal'
    ],
    'twoknow_text.reading': [
        'ReadOptions', 'ReadReport', 'SKIP_REASONS', 'SkippedRow', 'load_read_options', 'read_survey'
    ],
    'twoknow_text.synth': [
        'CODE_CATEGORY', 'LANGUAGES', 'QUESTIONS', 'SAMPLE_RESPONDENTS', 'SAMPLE_SEED', 'SyntheticAnswer',
        'compose_answers', 'generate_survey', 'load_sample', 'load_truth', 'plant_step', 'sample_path',
        'truth_path', 'write_sample'
    ],
    'twoknow_text.deid': [
        'AllowList', 'AnswerFlags', 'DeidConfig', 'DeidReport', 'Deidentifier', 'DetectedSpan', 'Pseudonymizer',
        'ResidualFlag', 'deidentify', 'deidentify_file', 'ephemeral_key', 'find_residual_risks', 'get_recognizers',
        'load_deid_config', 'load_key', 'new_key_file', 'registered_names', 'verify_deidentified'
    ],
    'twoknow_text.deid.registry': [
        'DEFAULT_RECOGNIZERS', 'ENTITY_TYPES', 'LONG_NUMBER', 'RecognizerFactory', 'entity_type_of',
        'get_recognizers', 'recognizer_names', 'register', 'registered_names'
    ],
    'twoknow_text.deid.planted': [
        'BASE_ANSWERS', 'CLEAN_ANSWERS', 'CLEAN_KIND', 'FIRST_NAMES', 'GENERATORS', 'GoldSpan', 'KIND_ENTITY',
        'LAST_NAMES', 'MULTI_KIND', 'NER_KINDS', 'ORGANIZATIONS', 'PLACES', 'PLANTED_KINDS', 'PLATFORM_TERMS',
        'PlantedRecord', 'STRUCTURED_KINDS', 'TIME_PHRASES', 'fake_value', 'make_planted_set', 'plant_identifiers'
    ],
    'twoknow_text.embedding': [
        'BACKENDS', 'BACKEND_ALIASES', 'Embedder', 'EmbeddingCache', 'EncodeStats', 'bf16_is_fast',
        'bf16_supported', 'default_cache_dir', 'normalize_rows', 'onnx_available', 'packaged_model_path', 'text_key'
    ],
    'twoknow_text.themes': [
        'LemmaTokenizer', 'ThemeModel', 'ThemesConfig', 'ThemesResult', 'ZeroShotCode', 'build_model',
        'build_report', 'fit_per_class', 'load_model', 'load_themes_config', 'run_themes', 'save_model', 'write_report'
    ],
    'twoknow_text.annotation': [
        'GateResult', 'PULL_COLUMNS', 'PullReport', 'PushReport', 'ReviewPullReport', 'ReviewPushReport', 'ServerHandle',
        'apply_gate', 'check_deidentified', 'connect', 'ensure_users', 'find_ls_venv', 'labelling_config',
        'load_theme_code_map', 'prepare_template', 'pull', 'pull_to_csv', 'push', 'review_config', 'review_pull',
        'review_push', 'start_server', 'theme_predictions', 'tidy_from_export'
    ],
    'twoknow_text.agreement': [
        'AdjudicationPush', 'AgreementReport', 'AuditLog', 'BOOT_METHODS', 'COEFFICIENTS', 'COMPARE_FIELD',
        'Estimate', 'LEVELS', 'MultiLabelData', 'ReliabilityData', 'adjudicate_pull', 'adjudicate_push',
        'agreement', 'agreement_weights', 'bootstrap_weights', 'brennan_prediger', 'cohen_kappa', 'disagreements',
        'drift_table', 'fleiss_kappa', 'gold_table', 'gwet_ac1', 'gwet_ac2', 'krippendorff_alpha',
        'krippendorff_flag', 'load_codebook_codes', 'masi_alpha', 'masi_distance', 'pairwise_table',
        'per_code_alpha', 'per_code_table', 'percent_agreement', 'percentile_ci', 'plot_code_alpha',
        'plot_coder_heatmap', 'reliability_data', 'resampled_sums', 'simulate_codings'
    ],
    'twoknow_text.codebook': [
        'CODING_COLUMNS', 'Category', 'CategorySuggestion', 'Code', 'Codebook', 'DEFAULT_CATEGORIES',
        'DEFAULT_THRESHOLD', 'HistoryEntry', 'STATUSES', 'Status', 'check_codings', 'code_guid',
        'codebook_from_dict', 'codebook_markdown', 'codebook_table', 'codebook_to_dict', 'codes_from_themes',
        'default_codebook_path', 'export_csv', 'export_markdown', 'export_qdc', 'export_qdpx', 'final_codebook',
        'import_qdc', 'load_codebook', 'merge_codes', 'read_agreement', 'read_codings', 'read_themes',
        'rename_code', 'revise_codebook', 'revision_table', 'save_codebook', 'set_status', 'simulated_codings_path',
        'split_code', 'suggest_categories', 'validate_refi'
    ],
    'twoknow_text.reporting': [
        'CodingSource', 'FrequencyReport', 'adjudicated_codings', 'frequency_report', 'read_deidentified',
        'render_html', 'report_files', 'select_codes', 'wilson_interval', 'write_report'
    ],
    'twoknow_text.autocode': [
        'AutoCoder', 'METHODS', 'UNSURE', 'code_lists', 'codebook_descriptions', 'coverage_table', 'evaluate', 'load_model', 'model_version', 'predictions_table', 'save_model'
    ],
    'twoknow_text.cli': [
        'app', 'main'
    ],
    'twoknow_text.cli._common': [
        'ConfigOpt', 'DelimiterOpt', 'EncodingOpt', 'FormatOpt', 'IdColOpt', 'InputArg', 'InputFormat',
        'LanguageColOpt', 'MaxCharsOpt', 'QuestionColOpt', 'RespondentColOpt', 'SheetOpt', 'TextColOpt',
        'print_encoding_notice', 'print_read_summary', 'read_input'
    ],
}
@pytest.mark.parametrize("module", sorted(PINNED))
def test_all_is_pinned(module: str) -> None:
    mod = importlib.import_module(module)
    assert hasattr(mod, "__all__"), f"{module} has no __all__"
    assert len(mod.__all__) == len(set(mod.__all__)), "duplicate names in __all__"
    assert sorted(mod.__all__) == PINNED[module]


@pytest.mark.parametrize("module", sorted(PINNED))
def test_every_name_in_all_exists(module: str) -> None:
    mod = importlib.import_module(module)
    names = mod.__all__
    missing = [n for n in names if not hasattr(mod, n)]
    assert not missing, f"{module}.__all__ lists names it does not define: {missing}"


def _reexported() -> list:
    import twoknow_text

    # `twoknow_text.agreement` is the subpackage; re-exporting the function of
    # the same name would make the result depend on import order.
    assert "agreement" not in twoknow_text.__all__
    return [n for n in twoknow_text.__all__ if not n.startswith("__")]


@pytest.mark.parametrize("name", _reexported())
def test_package_reexports_are_the_stage_objects(name: str) -> None:
    """What the package re-exports is the very object of the stage module (no stale copy, no name clash)."""
    import twoknow_text

    import twoknow_text.reporting  # noqa: F401  (imports other stages: the order a real session sees)

    stage_modules = [importlib.import_module(m) for m in PINNED if m != "twoknow_text"]
    homes = [m for m in stage_modules if name in m.__all__]
    assert homes, f"twoknow_text.{name} is in no stage module's __all__"
    obj = getattr(twoknow_text, name)
    assert any(getattr(m, name) is obj for m in homes), f"twoknow_text.{name} is {type(obj).__name__}"


if __name__ == "__main__":  # `python tests/test_exported_members.py` prints the current pins to paste above
    import pprint

    current = {m: sorted(importlib.import_module(m).__all__) for m in PINNED}
    pprint.pprint(current, width=116, sort_dicts=False)
