"""Side-by-side timings of ember against PyTorch, printed as ratios."""
