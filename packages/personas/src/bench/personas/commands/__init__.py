"""Click commands of ``bench personas``, one module per stage (registered in ``cli.COMMANDS``)."""
