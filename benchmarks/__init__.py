"""Speed and quality benchmarks of the project: ``python -m benchmarks --help``."""
