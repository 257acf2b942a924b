"""The backward driver: Tensor.backward's storing walk (autodiff.accumulate) against the walk's own result."""

from __future__ import annotations

import numpy as np
import pytest

from gradwork import functional as F
from gradwork.autodiff import accumulate, boxed_grads, walk
from gradwork.tensor import Tensor


def _seed002_loss() -> tuple[Tensor, list[Tensor]]:
    x, t = Tensor(np.array([1.0, 2.0])), Tensor(np.array(0.0))
    W1 = Tensor(np.array([[0.5, -0.6], [-0.4, 0.8]]), requires_grad=True)
    b1 = Tensor(np.array([0.2, -0.2]), requires_grad=True)
    w2 = Tensor(np.array([0.3, -0.5]), requires_grad=True)
    b2 = Tensor(np.array(0.0), requires_grad=True)
    y = F.sigmoid(F.relu(x @ W1 + b1) @ w2 + b2)
    return F.bce(y, t), [W1, b1, w2, b2]


def test_accumulate_stores_what_walk_returns_for_every_node_as_arrays():
    L, params = _seed002_loss()
    expected = boxed_grads(walk(L, np.array(1.0)))
    accumulate(L, np.array(1.0))
    assert len(expected) == 11  # 7 op nodes and the 4 parameters; x and t need no gradient
    for node, g in expected.items():
        assert type(node.grad) is np.ndarray and node.grad.shape == node.data.shape
        np.testing.assert_array_equal(node.grad, g)
    assert all(p.grad is not None for p in params)


def test_accumulate_adds_into_existing_gradients_of_leaves_and_inner_nodes():
    L, params = _seed002_loss()
    accumulate(L, np.array(1.0))
    first = {id(p): p.grad.copy() for p in params}
    root_grad = L.grad.copy()
    accumulate(L, np.array(1.0))
    for p in params:
        np.testing.assert_array_equal(p.grad, 2 * first[id(p)])
    np.testing.assert_array_equal(L.grad, 2 * root_grad)


def test_accumulate_on_a_leaf_root_stores_the_seed():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    accumulate(w, np.array([3.0, 4.0]))
    np.testing.assert_array_equal(w.grad, [3.0, 4.0])


def test_a_leaf_reached_twice_sums_both_paths_once_stored():
    w = Tensor(np.array(1.5), requires_grad=True)
    L = w * w + w  # w reaches L three times
    L.backward()
    assert type(w.grad) is np.ndarray and w.grad.shape == ()
    assert w.grad == 2 * 1.5 + 1


@pytest.mark.parametrize("make", [
    lambda s, v: s * v,  # a 0-d tensor beside a vector: it stays an array (no NumPy scalar) in both passes
    lambda s, v: v / s,
    lambda s, v: (v @ v) * s,  # a dot product (0-d out of vectors) into a scalar node
    lambda s, v: F.sigmoid((v * s).sum() + s),
])
def test_mixed_0d_and_array_nodes_give_the_all_array_results(make):
    from gradwork.tensor import no_grad

    s = Tensor(np.array(0.7), requires_grad=True)
    v = Tensor(np.array([1.5, -2.0]), requires_grad=True)
    out = make(s, v)
    seed = np.ones_like(out.data)
    out.backward(seed)
    # The same values computed on plain arrays (no unboxing anywhere).
    with no_grad():
        again = make(Tensor(s.data), Tensor(v.data))
    np.testing.assert_array_equal(out.data, again.data)
    assert type(out.data) is np.ndarray and type(s.grad) is np.ndarray and s.grad.shape == ()
    eps = 1e-6
    for tensor in (s, v):
        numeric = np.zeros_like(tensor.data)
        for index in np.ndindex(tensor.data.shape):
            bumped = [Tensor(s.data.copy()), Tensor(v.data.copy())]
            low = [Tensor(s.data.copy()), Tensor(v.data.copy())]
            which = 0 if tensor is s else 1
            bumped[which].data[index] += eps
            low[which].data[index] -= eps
            numeric[index] = (make(*bumped).data.sum() - make(*low).data.sum()) / (2 * eps)
        np.testing.assert_allclose(tensor.grad, numeric, rtol=1e-6, atol=1e-8)


def test_branching_graph_visits_in_serial_order_like_the_hooked_walk():
    # Chains (one node waiting) and branches (several waiting, on the heap) mixed: a skip connection, a value
    # used by three consumers, and a chain after them. The hooked walk (always the heap) is the reference.
    x = Tensor(np.array([0.3, -1.2]), requires_grad=True)
    w = Tensor(np.array([[0.5, -0.6], [-0.4, 0.8]]), requires_grad=True)
    h = F.tanh(x @ w)
    u = h * h + F.sigmoid(h) - h
    v = F.exp((u @ w).sum() * h.sum()) + u.sum()
    L = F.log(v * v + 1.0)
    order: list[int] = []
    reference = boxed_grads(walk(L, np.array(1.0), on_grad=lambda node, g: order.append(node.serial) or g))
    assert order == sorted(order, reverse=True)
    accumulate(L, np.array(1.0))
    for node, g in reference.items():
        np.testing.assert_array_equal(node.grad, g)


def test_an_input_made_after_its_node_is_refused():
    a = Tensor(np.array(1.0), requires_grad=True)
    b = a * 2.0
    c = Tensor(np.array(3.0), requires_grad=True) * 1.0
    b.inputs = (c, b.inputs[1])  # a hand-edited graph whose serials are no topological order
    with pytest.raises(ValueError, match="topological order"):
        b.backward()
