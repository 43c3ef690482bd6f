"""The sample app: edit this file and rebuild to see exactly the COPY src step miss the cache."""

from greeting import greet


def main() -> None:
    print(greet("Strata"))


if __name__ == "__main__":
    main()
