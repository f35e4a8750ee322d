"""The soak (bench/soak.py) in its short mode (~60 s), so bench/run.py reports its figures."""

from __future__ import annotations

from soak import main as soak_main


def main() -> None:
    soak_main(short=True)


if __name__ == "__main__":
    main()
