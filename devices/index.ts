/** Registers every device kind with the lab, so declarations can name them. */
import './peers/index.ts';
import './expressway/index.ts';
import './phone/register.ts';
import './cucm/index.ts';
