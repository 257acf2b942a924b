"""`gradwork generate TEMPLATE`: exercise variants with keys; `gradwork test TEMPLATE`: the template's author tests."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from gradwork.cli.app import app
from gradwork.cli.errors import EXIT_OK, EXIT_WRONG, fail
from gradwork.documents.errors import ProblemError

PLATFORMS = ("prairielearn", "moodle", "qti", "gradescope")


@app.command()
def generate(
    template: str = typer.Argument(..., help="Template file: a problem file whose numbers may be random or choices."),
    seed: int | None = typer.Option(None, "--seed", min=0, help="Seed: the same seed gives the same variants."),
    count: int | None = typer.Option(None, "--count", "-n", min=1, max=10_000,
                                        help="How many variants (with --seed; default 1)."),
    students: Path | None = typer.Option(None, "--students", help="Roster CSV: one variant per student id."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Folder to write (default: TEMPLATE-variants)."),
    to: str | None = typer.Option(None, "--to", help="prairielearn | moodle | qti | gradescope"),
    force: bool = typer.Option(False, "--force", help="Replace existing output files."),
) -> None:
    """Per-student exercise variants: problem file, student sheet (Markdown, LaTeX, HTML) and key for each."""
    if to is not None and to not in PLATFORMS:
        fail(f"--to: unknown value {to!r} (expected one of: {', '.join(PLATFORMS)})")
    if seed is None and students is None and to != "prairielearn":  # PrairieLearn draws by its variant_seed
        fail("generate: give --seed N (with --count K) or --students ROSTER.csv (expected one of them)")
    if count is not None and students is not None:
        fail("--count: a roster gives one variant per student (expected --count only with --seed)")
    # lazy (start-up): loaded when this command runs
    from gradwork.generate import read_template
    from gradwork.generate.write import OutputExists, Request, collect, generate as draw_all, read_roster, write_files

    try:
        parsed = read_template(template)
        roster = read_roster(students) if students is not None else ()
        if to == "prairielearn" and seed is None and not roster:
            count = count or 3  # variants drawn here only to check the template; PrairieLearn draws its own
        request = Request(seed=seed or 0, count=count or 1, students=roster)
        variants = draw_all(parsed, request)
        if to is None:
            files: dict[str, str | bytes] = dict(collect(parsed, request, variants))
        else:
            # lazy (start-up): loaded when this command runs
            from gradwork.generate.export import export

            files = export(to, parsed, request, variants)
    except ProblemError as error:
        fail(str(error))
    folder = output or Path(f"{parsed.stem}-variants")
    if folder.exists() and not folder.is_dir():
        fail(f"{folder}:1:1: is not a folder (expected -o DIR)")
    try:
        inputs = tuple(Path(p) for p in (template, students) if p is not None and str(p) != "-")
        written = write_files(folder, files, force, inputs, shared=("serverFilesCourse/",))
    except OutputExists as error:
        fail(str(error))
    except OSError as error:
        fail(f"{folder}:1:1: cannot write ({error.strerror or error})")
    what = f"for {len(roster)} students" if roster else f"from seed {request.seed}"
    if to == "prairielearn":
        sys.stdout.write(f"PrairieLearn question {parsed.stem}: {len(written)} file{'s' if len(written) != 1 else ''}"
                         f" in {folder} ({len(variants)} variant{'s' if len(variants) != 1 else ''} drawn {what} "
                         "to check the template; PrairieLearn draws one per student)\n")
    else:
        sys.stdout.write(f"{len(variants)} variant{'s' if len(variants) != 1 else ''} {what}: "
                         f"{len(written)} file{'s' if len(written) != 1 else ''} in {folder}"
                         + (f" ({to})" if to else "") + "\n")
    if to is not None:
        # lazy (start-up): loaded when this command runs
        from gradwork.generate.export import platform_notes

        for note in platform_notes(to, parsed):
            sys.stdout.write(f"note: {note}\n")


@app.command("test")
def test_template(
    template: str = typer.Argument(..., help="Template file with `expect:` cases."),
    count: int = typer.Option(200, "--count", "-n", min=1, max=10_000, help="How many variants to test."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the variants tested."),
) -> None:
    """Run the template's `expect:` cases over many variants; exit 1 if a planted mistake goes undiagnosed."""
    # lazy (start-up): loaded when this command runs
    from gradwork.generate import read_template
    from gradwork.generate.expect import run_cases

    try:
        parsed = read_template(template)
        result = run_cases(parsed, count=count, seed=seed)
    except ProblemError as error:
        fail(str(error))
    sys.stdout.write(result.summary() + "\n")
    raise typer.Exit(EXIT_OK if result.passed else EXIT_WRONG)
