from clinsum.cli import main

raise SystemExit(main())
