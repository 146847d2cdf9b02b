"""Reading what the data build wrote into ``data/``, and the data of a spec.

- :mod:`~smartcity_analysis.curated.inputs`: :func:`~smartcity_analysis.curated.inputs.spec_frames`, the
  one door to a spec's indicator frames (user-supplied files included), and
  :func:`~smartcity_analysis.curated.inputs.data_key`, the one cache key of those frames.
"""
