/*
 * words.c - the words of smcroute.conf lines and smcroutectl commands
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>

#include "words.h"

bool
word_isspace(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
	    ch == '\v' || ch == '\f';
}

int
word_ifname(const char *name, char *err, size_t errlen)
{
	const char *s;
	size_t len = strlen(name);

	if (len == 0) {
		snprintf(err, errlen, "empty interface name");
		return -1;
	}
	if (len >= IFNAMSIZ) {
		snprintf(err, errlen, "interface name %.64s%s too long "
		    "(max %d characters)", name, len > 64 ? "..." : "",
		    IFNAMSIZ - 1);
		return -1;
	}
	if (!strcmp(name, ".") || !strcmp(name, "..")) {
		snprintf(err, errlen, "invalid interface name %s", name);
		return -1;
	}
	for (s = name; *s; s++) {
		if (*s == ':') {
			snprintf(err, errlen, "invalid interface name %s: "
			    "alias names are not supported, use the base "
			    "interface", name);
			return -1;
		}
		if (*s == '/' || word_isspace((unsigned char)*s) ||
		    !isprint((unsigned char)*s)) {
			snprintf(err, errlen, "invalid interface name %s",
			    name);
			return -1;
		}
	}
	return 0;
}

bool
word_is_wildcard(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && name[len - 1] == '+';
}

bool
word_ifname_match(const char *pattern, const char *name)
{
	size_t len = strlen(pattern);

	if (word_is_wildcard(pattern))
		return strncmp(pattern, name, len - 1) == 0;
	return strcmp(pattern, name) == 0;
}

bool
word_is_group(const char *word)
{
	struct inet_pfx p;
	char err[8];

	return !inet_pfx_parse(word, &p, err, sizeof(err)) &&
	    inet_is_multicast(&p.addr);
}

/*
 * A group prefix must lie inside the multicast range: 224.0.0.0/4 or
 * ff00::/8.  A shorter prefix would also cover unicast addresses.
 * Messages show text, if given, as the user wrote it: the parsed prefix
 * has lost its host bits.
 */
int
word_check_group(const struct inet_pfx *g, const char *text, char *err,
    size_t errlen)
{
	char a[INET_PFX_STRLEN];
	int min = g->addr.family == AF_INET6 ? 8 : 4;

	if (g->addr.family != AF_INET && g->addr.family != AF_INET6) {
		snprintf(err, errlen, "group has no address family");
		return -1;
	}
	if (text == NULL)
		text = inet_pfx_str(g, a, sizeof(a));
	if (g->len < min) {
		snprintf(err, errlen, "group %s is wider than the multicast "
		    "range %s", text,
		    g->addr.family == AF_INET6 ? "ff00::/8" : "224.0.0.0/4");
		return -1;
	}
	if (!inet_is_multicast(&g->addr)) {
		snprintf(err, errlen, "%s is not a multicast group", text);
		return -1;
	}
	return 0;
}

/* A source prefix is unicast; len 0 (any source) is always fine. */
int
word_check_source(const struct inet_pfx *s, char *err, size_t errlen)
{
	char a[INET_PFX_STRLEN];

	if (s->addr.family != AF_INET && s->addr.family != AF_INET6) {
		snprintf(err, errlen, "source has no address family");
		return -1;
	}
	if (s->len > 0 && inet_is_multicast(&s->addr)) {
		snprintf(err, errlen, "source %s is a multicast address",
		    inet_pfx_str(s, a, sizeof(a)));
		return -1;
	}
	return 0;
}

int
word_group(const char *s, struct inet_pfx *out, char *err, size_t errlen)
{
	struct inet_pfx g;

	if (inet_pfx_parse(s, &g, err, errlen) ||
	    word_check_group(&g, s, err, errlen))
		return -1;
	*out = g;
	return 0;
}

int
word_source(const char *s, struct inet_pfx *out, char *err, size_t errlen)
{
	struct inet_pfx p;

	if (inet_pfx_parse(s, &p, err, errlen))
		return -1;
	if (inet_is_any(&p.addr))
		p.len = 0;
	if (word_check_source(&p, err, errlen))
		return -1;
	*out = p;
	return 0;
}

int
word_except(const char *list, struct inet_pfx *out, int max, int *n,
    char *err, size_t errlen)
{
	char buf[1024], *tok, *save = NULL;
	int cnt = 0;

	if (strlcpy(buf, list, sizeof(buf)) >= sizeof(buf)) {
		snprintf(err, errlen, "except list too long");
		return -1;
	}
	if (!*buf || buf[0] == ',' || buf[strlen(buf) - 1] == ',' ||
	    strstr(buf, ",,")) {
		snprintf(err, errlen, "except: empty entry in %s", list);
		return -1;
	}
	for (tok = strtok_r(buf, ",", &save); tok;
	    tok = strtok_r(NULL, ",", &save)) {
		if (cnt == max) {
			snprintf(err, errlen, "except: more than %d sources",
			    max);
			return -1;
		}
		if (word_source(tok, &out[cnt], err, errlen))
			return -1;
		if (out[cnt].len == 0) {
			snprintf(err, errlen, "except: %s would refuse every "
			    "source", tok);
			return -1;
		}
		cnt++;
	}
	*n = cnt;
	return 0;
}
