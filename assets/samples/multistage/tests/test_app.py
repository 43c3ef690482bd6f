from greeting import greet


def test_greet() -> None:
    assert greet("x") == "Hello from x!"
