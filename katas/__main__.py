from katas.cli import main

raise SystemExit(main())
