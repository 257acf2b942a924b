"""Problem texts shared by tests that edit them to provoke one error at a time."""

SEED_002_TEXT = """\
title: Exam 4a - 2-2-1 network, one SGD step
convention: row
input: [1.0, 2.0]
target: 0
layers:
  - name: hidden
    weights: [[0.5, -0.6], [-0.4, 0.8]]
    bias: [0.2, -0.2]
    activation: relu
  - name: output
    weights: [0.3, -0.5]
    bias: 0
    activation: sigmoid
loss: bce
optimizer: {name: sgd, lr: 0.01}
"""
