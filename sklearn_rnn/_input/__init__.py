"""The data contract: sequences in (3D, 2D, ragged lists, long frames),
validated into values and lengths; categorical columns."""
