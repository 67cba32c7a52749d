import pytest

from ssbonto.build.chemistry import FormulaError, parse_formula, parse_substitutions


@pytest.mark.parametrize("formula, elements", [
    ("Li7La3Zr2O12", {"Li", "La", "Zr", "O"}),
    ("Li1+xAlxGe2-x(PO4)3", {"Li", "Al", "Ge", "P", "O"}),
    ("(Li7-xAlx/3)La3Zr2O12", {"Li", "Al", "La", "Zr", "O"}),
    ("Li10GeP2S12-xOx", {"Li", "Ge", "P", "S", "O"}),
    ("xLi2SO4·(1-x)LiPO3", {"Li", "S", "O", "P"}),
    ("xLi2SO4·(1-x) LiPO3", {"Li", "S", "O", "P"}),
    ("(Li2S)x(P2S5)100-x", {"Li", "P", "S"}),
    ("80Li2S·20P2S5", {"Li", "P", "S"}),
    ("Li4SiO4–Li3PO4", {"Li", "Si", "O", "P"}),
    ("Li7La3Zr2O12-(C2H4O)n", {"Li", "La", "Zr", "O", "C", "H"}),
    ("Li(Ni1/3Mn1/3Co1/3)O2", {"Li", "Ni", "Mn", "Co", "O"}),
    ("Al3-xGexO4.5+x/2", {"Al", "Ge", "O"}),
    ("Li3xLa2/3-xTiO3", {"Li", "La", "Ti", "O"}),
    ("Na3ScxZr2-x(SiO4)2-x(PO4)1-x", {"Na", "Sc", "Zr", "Si", "P", "O"}),
    ("β-Li3PS4", {"Li", "P", "S"}),
    ("LiPON", {"Li", "P", "O", "N"}),
    ("Na3-yPS4-xClx", {"Na", "P", "S", "Cl"}),
    ("[DMEDAH2]", None),
])
def test_element_sets(formula, elements):
    if elements is None:
        with pytest.raises(FormulaError):
            parse_formula(formula)
    else:
        assert set(parse_formula(formula).elements) == elements


def test_placeholder_expands_to_its_substitutes():
    parsed = parse_formula("Li6PS5X", parse_substitutions("X=Cl|Br"))
    assert set(parsed.elements) == {"Li", "P", "S", "Cl", "Br"}


@pytest.mark.parametrize("formula, position, reason", [
    ("PEO", 2, "'E' is not an element symbol"),
    ("Li7La3Zr2O12)", 13, "unexpected ')'"),
    ("Li(PO4", 3, "unclosed '('"),
    ("", 1, "empty formula"),
    ("Li6PS5X", 7, "'X' is not an element symbol"),
])
def test_errors_name_the_position(formula, position, reason):
    with pytest.raises(FormulaError) as error:
        parse_formula(formula)
    assert f"at character {position}" in str(error.value)
    assert reason in str(error.value)


def test_substitution_must_be_used_and_real():
    with pytest.raises(FormulaError, match="not used"):
        parse_formula("Li3PS4", {"X": ("Cl",)})
    with pytest.raises(FormulaError, match="non-elements: Qq"):
        parse_formula("Li6PS5X", {"X": ("Qq",)})
    with pytest.raises(ValueError, match="X=Cl|Br"):
        parse_substitutions("X:Cl")
