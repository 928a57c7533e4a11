"""Benchmarks for issue 10 (scale): ``python -m benchmarks`` or ``make bench``; see the README's
"Performance". Every target is a ratio to a baseline measured in the same run, or a budget the
issue states, so a noisy shared machine moves both sides alike."""
