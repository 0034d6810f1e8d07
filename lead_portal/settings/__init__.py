"""Settings package: ``base`` reads everything from the environment; ``production`` hardens it;
``test`` speeds up the test run."""
