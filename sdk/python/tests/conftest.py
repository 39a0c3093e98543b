# pytester runs pytest sessions inside tests (test_component_mode.py).
pytest_plugins = ["pytester"]
