/* A hand-written emhttp configuration, as a vendoring project keeps it:
 * any CONFIG_EMHTTP_* option of the Kconfig, the rest keep their
 * defaults.  Found by emhttp/opt.h through the include path. */
#define CONFIG_EMHTTP_DNS_MAX_ADDRS 3
#define CONFIG_EMHTTP_JSON_FLOAT 0
#define CONFIG_EMHTTP_IPV6 0
