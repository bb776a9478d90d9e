/*
 * number.h - the one parser of decimal numbers from the command line and
 * the configuration file: digits only (no sign, no spaces), within a
 * range, shared by sockd, sockc and sockbench so all accept the same.
 */
#ifndef SOCKD_NUMBER_H
#define SOCKD_NUMBER_H

/* Parse text as a whole number in [min, max]; -1 if it is not one. */
int number_parse(const char *text, unsigned long long min,
    unsigned long long max, unsigned long long *value);

#endif
