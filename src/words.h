/*
 * words.h - the words of smcroute.conf lines and smcroutectl commands
 *
 * One validator per kind of word, shared by the configuration parser
 * (conf.c, pconf.c), the daemon's command parser (cmd.c) and the client
 * (smcroutectl.c), so that a word is read the same way, and accepted or
 * refused for the same reasons, wherever it is written.  A leaf: pure,
 * no state, no I/O.  Error messages stand on their own, without file
 * and line, since the IPC server returns them to the client too.
 */
#ifndef SMCR_WORDS_H
#define SMCR_WORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "inet.h"

/*
 * An interface name, as Linux's dev_valid_name() takes it: 1 to
 * IFNAMSIZ-1 characters, not "." or "..", no '/', ':' or white space.
 * A trailing '+' is the wildcard and allowed like any other character.
 * 0, or -1 with a reason in err.
 */
int	word_ifname(const char *name, char *err, size_t errlen);
/* "eth+" is a wildcard, matching every name that starts with "eth". */
bool	word_is_wildcard(const char *name);
bool	word_ifname_match(const char *pattern, const char *name);

/*
 * Is the word a group rather than a source: an address, with or without
 * /LEN, that is multicast?  How a command's word after the interface is
 * told apart (smcroutectl add eth0 [SOURCE] GROUP ...).
 */
bool	word_is_group(const char *);

/*
 * A group prefix, inside the multicast range (224.0.0.0/4, ff00::/8),
 * and a source prefix, unicast; the unspecified address, with any
 * length, is any source and stored with length 0.  0, or -1 with a
 * reason in err.  The check_ forms validate a parsed prefix; text, if
 * given, is the word as the user wrote it, for the message.
 */
int	word_group(const char *, struct inet_pfx *, char *err, size_t errlen);
int	word_source(const char *, struct inet_pfx *, char *err, size_t errlen);
int	word_check_group(const struct inet_pfx *, const char *text, char *err,
	    size_t errlen);
int	word_check_source(const struct inet_pfx *, char *err, size_t errlen);
/*
 * "A[/LEN],B[/LEN]...": at most max source prefixes into out, none of
 * them any source; *n is how many.  0, or -1 with a reason in err.
 */
int	word_except(const char *, struct inet_pfx *out, int max, int *n,
	    char *err, size_t errlen);

/* The white space that separates words: space, \t, \r, \n, \v, \f. */
bool	word_isspace(int);

#endif /* SMCR_WORDS_H */
