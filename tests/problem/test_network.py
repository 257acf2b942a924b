"""The network form: checks with FILE:LINE:COL errors, and building on gradwork.nn."""

from __future__ import annotations

import pytest

from gradwork.nn import LOSSES
from gradwork.problem import ProblemError, load, solve
from tests.seed_texts import SEED_002_TEXT

NETWORK = SEED_002_TEXT.replace("title: Exam 4a - 2-2-1 network, one SGD step", "title: t", 1)


def error_of(text: str, mode: str | None = None, name: str = "p.yaml") -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        solve(load(text), mode)
    return caught.value


def test_unknown_activation():
    error = error_of(NETWORK.replace("activation: relu", "activation: relux"))
    assert (error.line, error.column) == (9, 17)
    assert error.message == "unknown activation 'relux', did you mean 'relu'?"
    assert error.expected.startswith("one of: elu, gelu, identity, leaky_relu") and "formula in x" in error.expected
    assert str(error).startswith("<string>:9:17: unknown activation 'relux'")


def test_unknown_activation_in_a_mapping_and_unknown_option():
    error = error_of(NETWORK.replace("activation: relu", "activation: {name: leaky, alpha: 0.1}"))
    assert (error.line, error.column) == (9, 24)
    assert error.message == "unknown activation 'leaky', did you mean 'leaky_relu'?"
    error = error_of(NETWORK.replace("activation: relu", "activation: {name: leaky_relu, beta: 0.1}"))
    assert (error.line, error.column) == (9, 36)
    assert error.message == "unknown option 'beta' for activation leaky_relu" and error.expected == \
        "options of leaky_relu: alpha"


def test_shape_mismatch_names_both_shapes():
    error = error_of(NETWORK.replace("weights: [0.3, -0.5]", "weights: [0.3, -0.5, 0.1]"))
    assert (error.line, error.column) == (11, 14)
    assert error.message == "shape mismatch: output.W has shape [3] but its input hidden.a has shape [2]"
    error = error_of(NETWORK.replace("[[0.5, -0.6], [-0.4, 0.8]]", "[[0.5, -0.6, 1], [-0.4, 0.8, 1], [1, 1, 1]]"))
    assert (error.line, error.column) == (7, 14)
    assert error.message == "shape mismatch: hidden.W has shape [3, 3] but its input input has shape [2]"
    assert error.expected == "[2, N]: the row convention writes W as [in, out]"


def test_shape_mismatch_in_the_column_convention_and_transposed():
    text = NETWORK.replace("convention: row", "convention: column").replace(
        "[[0.5, -0.6], [-0.4, 0.8]]", "{T: [[0.5, -0.6], [-0.4, 0.8], [1, 1]]}")
    error = error_of(text)
    assert (error.line, error.column) == (7, 14)
    assert error.message == ("shape mismatch: hidden.W has shape [2, 3] (after the transpose {T: ...}) "
                             "but its input input has shape [2]")
    assert error.expected == "[N, 2]: the column convention writes W as [out, in]"


def test_bias_of_the_wrong_length():
    error = error_of(NETWORK.replace("bias: [0.2, -0.2]", "bias: [0.2, -0.2, 0.1]"))
    assert (error.line, error.column) == (8, 11)
    assert error.message == "shape mismatch: hidden.b has shape [3] but layer 'hidden' has 2 units"


def test_target_of_the_wrong_length():
    error = error_of(NETWORK.replace("target: 0", "target: [0, 1]"))
    assert (error.line, error.column) == (4, 9)
    assert error.message == "the target has shape [2] but the network has 1 output"
    assert error.expected == "1 value"


def test_target_missing_for_a_named_loss():
    error = error_of(NETWORK.replace("target: 0\n", ""))
    assert (error.line, error.column, error.message) == (13, 7, "the loss 'bce' needs a target")


def test_unknown_loss():
    error = error_of(NETWORK.replace("loss: bce", "loss: bcee"))
    assert (error.line, error.column) == (14, 7)
    assert error.message == "unknown loss 'bcee', did you mean 'bce'?"
    assert error.expected == f"one of: {', '.join(LOSSES)}, or a formula in y and t"  # every registered loss


def test_bad_formula_loss_points_inside_the_formula():
    error = error_of(NETWORK.replace("loss: bce", 'loss: "-(log(y) + lg(1 - y))"'))
    assert (error.line, error.column) == (14, 19)
    assert error.message == "in the loss formula: unknown function 'lg'"
    error = error_of(NETWORK.replace("loss: bce", 'loss: "(y - q)**2"'))
    assert (error.line, error.column, error.message) == (14, 13, "in the loss formula: unknown name 'q'")


def test_formula_loss_must_give_one_number():
    error = error_of(NETWORK.replace("weights: [0.3, -0.5]", "weights: [[0.3, 1], [-0.5, 1]]")
                     .replace("target: 0", "target: [0, 1]").replace("loss: bce", 'loss: "(y - t)**2"'))
    assert error.message == "the loss formula gives shape [2], not one number" and error.line == 14


def test_bad_activation_formula_points_inside_it():
    error = error_of(NETWORK.replace("activation: sigmoid", 'activation: "x ** 2 + x.imag"'))
    assert (error.line, error.column) == (13, 29)
    assert error.message == "in the activation formula: attribute access `.imag` is not allowed"


def test_symbol_in_float_mode_points_at_the_element():
    error = error_of(NETWORK.replace("[0.3, -0.5]", "[w5, -0.5]"))
    assert (error.line, error.column) == (11, 15)
    assert error.message == "'w5' is a symbol name, which needs symbolic mode"


def test_ragged_weights_and_non_numbers():
    error = error_of(NETWORK.replace("[[0.5, -0.6], [-0.4, 0.8]]", "[[0.5, -0.6], [-0.4]]"))
    assert (error.line, error.column) == (7, 28)
    assert error.message == "ragged list: item 1 has shape [1] but item 0 has shape [2]"
    error = error_of(NETWORK.replace("target: 0", "target: true"))
    assert (error.line, error.column, error.message) == (4, 9, "true is not a number")


def test_duplicate_and_bad_layer_names():
    error = error_of(NETWORK.replace("name: output", "name: hidden"))
    assert (error.line, error.column, error.message) == (10, 11, "two layers are named 'hidden'")
    error = error_of(NETWORK.replace("name: output", "name: out.put"))
    assert error.message.startswith("the layer name 'out.put' cannot be used")


def test_cross_entropy_needs_identity_output_and_valid_class_index():
    two_outputs = NETWORK.replace("weights: [0.3, -0.5]", "weights: [[0.3, 1], [-0.5, 1]]") \
        .replace("    bias: 0\n", "")
    error = error_of(two_outputs.replace("loss: bce", "loss: cross_entropy"))
    assert error.message.startswith("cross_entropy applies softmax itself") and error.line == 13
    text = two_outputs.replace("activation: sigmoid", "activation: identity")
    text = text.replace("loss: bce", "loss: cross_entropy")
    error = error_of(text.replace("target: 0", "target: 2"))
    assert (error.line, error.column) == (4, 9)
    assert error.message == "the class index 2 is not one of the 2 outputs"


def test_batch_target_must_have_one_entry_per_sample():
    text = NETWORK.replace("input: [1.0, 2.0]", "input: [[1.0, 2.0], [0.5, 0.5], [1, 1]]")
    error = error_of(text.replace("target: 0", "target: [0, 1]"))
    assert error.message == "the target has 2 samples but the input is a batch of 3 samples"


def test_exact_mode_with_an_irrational_activation_says_where_and_what_to_do():
    error = error_of(NETWORK, mode="exact")
    assert (error.line, error.column) == (13, 17)
    assert "sigmoid has no exact rational value" in error.message and "--mode symbolic" in error.message


def test_layer_info_and_default_names():
    text = NETWORK.replace("  - name: hidden\n    weights", "  - weights").replace("  - name: output\n    weights",
                                                                                  "  - weights")
    solution = solve(load(text))
    assert [layer.name for layer in solution.layers] == ["layer1", "layer2"]
    first, second = solution.layers
    assert (first.weight, first.bias, first.z, first.a, first.input) == \
        ("layer1.W", "layer1.b", "layer1.z", "layer1.a", "input")
    assert (second.input, second.fan_in, second.fan_out, second.flat_weights) == ("layer1.a", 2, 1, True)
    assert first.activation == "relu" and not first.flat_weights and not first.weights_transposed


def test_identity_layer_a_is_the_same_node_as_z():
    solution = solve(load(NETWORK.replace("activation: sigmoid", "activation: linear").replace(
        "loss: bce", "loss: half_sse")))
    assert solution.nodes["output.a"] is solution.nodes["output.z"]
    assert solution.layers[1].activation == "identity"
    assert solution.values["output.a"] == solution.values["output.z"]


def test_errors_in_toml_and_json_files_name_the_file_line_and_column(tmp_path):
    toml = tmp_path / "net.toml"
    toml.write_text('input = [1.0, 2.0]\ntarget = 0\nloss = "bce"\n\n[[layers]]\n'
                    'weights = [[0.5, -0.6], [-0.4, 0.8]]\nactivation = "relu"\n\n'
                    '[[layers]]\nweights = [0.3, -0.5]\nactivation = "sigmod"\n')
    error = error_of(str(toml))
    assert str(error).startswith(f"{toml}:11:14: unknown activation 'sigmod', did you mean 'sigmoid'?")
    json_file = tmp_path / "net.json"
    json_file.write_text('{"input": [1.0, 2.0],\n "target": [0, 1, 2],\n "loss": "bce",\n'
                         ' "layers": [{"weights": [0.3, -0.5], "activation": "sigmoid"}]}\n')
    error = error_of(str(json_file))
    assert (error.file, error.line, error.column) == (str(json_file), 2, 12)
    assert error.message == "the target has shape [3] but the network has 1 output"
