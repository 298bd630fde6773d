"""The demo city 示范市 (docs/domain.md §5): a snapshot of 2020-02-15, loaded by `manage.py load_demo`."""

from devtools.demo.data import DEMO_PASSWORD, SNAPSHOT_DATE
from devtools.demo.loader import DemoResult, demo_loaded, load_demo

__all__ = ["DEMO_PASSWORD", "SNAPSHOT_DATE", "DemoResult", "demo_loaded", "load_demo"]
