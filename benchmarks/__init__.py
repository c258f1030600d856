"""Benchmarks: tiaocan against its peers on the same problems, in the same run."""
