"""Benchmarks (`make bench`): raw ceilings of this machine and the kernel's figures against
them. `python -m bench --help` for options; results are appended to bench/RESULTS.md."""
