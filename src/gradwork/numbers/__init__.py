"""Numbers for people: how they are shown, when two count as equal, and the teacher's marking policy.

* :mod:`~gradwork.numbers.display`: one rounding rule for every renderer
  (:func:`numeral`, :func:`number_text`, :func:`array_text`, :func:`json_number`);
* :mod:`~gradwork.numbers.written`: whether a value is a number as a file
  writes it, and a value shown back as it was written;
* :mod:`~gradwork.numbers.tolerance`: :class:`Tolerance` (``rtol``/``atol``,
  ``sigfigs``, ``digits``), the rules of docs/formats.md;
* :mod:`~gradwork.numbers.marking`: :class:`MarkingPolicy`, the ``marking:``
  section (tolerance, points, carried-forward and missing credit).

Nothing here knows the engine or a problem: :mod:`gradwork.problem`, ``check``,
``mark``, ``explain``, ``viz`` and ``generate`` all read numbers through it.
"""
