from kiln_sdk import export

from bench_plugin import ScanBench

Guest = export(ScanBench)
