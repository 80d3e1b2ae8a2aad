/** Registers every device kind with the lab, so declarations can name them. */
