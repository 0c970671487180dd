from mix_tui.cli import main

raise SystemExit(main())
