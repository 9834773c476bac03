/* The text of "socksify --help" and "socksify --version". */
#ifndef HELP_H
#define HELP_H

/* Print the help on stdout. */
void help_print(void);
/* Print "socksify <version>" on stdout. */
void help_version(void);

#endif
