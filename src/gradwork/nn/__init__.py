"""Neural-network building blocks on the engine: layers, MLP, losses, optimizers."""

from gradwork.nn.activations import ACTIVATIONS, UnknownActivationError, activation
from gradwork.nn.layers import Dense
from gradwork.nn.losses import LOSSES, UnknownLossError, loss, one_hot
from gradwork.nn.mlp import MLP
from gradwork.nn.optim import SGD, Adam, Optimizer, make_optimizer

__all__ = [
    "ACTIVATIONS", "LOSSES", "MLP", "SGD", "Adam", "Dense", "Optimizer", "UnknownActivationError",
    "UnknownLossError", "activation", "loss", "make_optimizer", "one_hot",
]
