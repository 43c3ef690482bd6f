def greet(name: str) -> str:
    return f"Hello from {name}!"
