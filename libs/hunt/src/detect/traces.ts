import type { Confidence, TraceKind } from '../types';

export interface TraceMatch {
  trace: TraceKind;
  confidence: Confidence;
  /** The matched text: what an admin searches the log for. */
  text: string;
  /** The JNDI name the trace names, when it names one (`ldap://evil:1389/a`). */
  jndiName?: string;
  message: string;
}

interface TraceRule {
  trace: TraceKind;
  confidence: Confidence;
  re: RegExp;
  message: string;
}

// Strongest first; one line reports its first matching rule. Bounded repetitions only.
const RULES: TraceRule[] = [
  {
    trace: 'jndi-lookup-error',
    confidence: 'high',
    // Log4j's JndiLookup: LOGGER.warn(LOOKUP, "Error looking up JNDI resource [{}].", jndiName, e)
    re: /Error looking up JNDI resource \[([^\]\s]{1,2048})\]/,
    message: "Log4j's JNDI lookup ran and failed: the exploit string reached a vulnerable logger",
  },
  {
    trace: 'remote-class-loading',
    confidence: 'high',
    re: /com\.sun\.jndi\.(?:ldap|rmi)\.object\.trustURLCodebase|javax\.naming\.spi\.NamingManager\.getObjectFactoryFromReference|com\.sun\.jndi\.ldap\.Obj\.decodeObject|com\.sun\.naming\.internal\.VersionHelper(?:12)?\.loadClass|com\.sun\.jndi\.ldap\.DefaultResponseControlFactory|The object factory is untrusted/,
    message:
      'a JNDI reference was decoded or its factory loaded from a remote codebase: the callback server answered',
  },
  {
    trace: 'jndi-lookup-frame',
    confidence: 'high',
    re: /org\.apache\.logging\.log4j\.core\.(?:lookup\.JndiLookup\.lookup|net\.JndiManager\.lookup)/,
    message: "Log4j's JndiLookup in a stack trace: a lookup from logged text ran",
  },
  {
    trace: 'recursion-error',
    confidence: 'high',
    re: /Infinite loop in property interpolation of|StrSubstitutor\.substitute\(StrSubstitutor\.java:\d+\)[\s\S]{0,64}StackOverflowError|StackOverflowError[\s\S]{0,200}StrSubstitutor/,
    message: 'lookup recursion error: a CVE-2021-45105 string was evaluated',
  },
  {
    trace: 'naming-exception',
    confidence: 'low',
    re: /javax\.naming\.(?:CommunicationException|ServiceUnavailableException|NamingException|ConfigurationException)(?::\s*([^\s\[\]]{1,256}))?|com\.sun\.jndi\.(?:ldap\.LdapCtx\.c_lookup|rmi\.registry\.RegistryContext\.lookup|dns\.DnsContext\.c_lookup|url\.(?:ldap|rmi|dns|iiop|corbaname)\.)/,
    message:
      'a JNDI network lookup failed or ran (LDAP/RMI/DNS): an exploitation callback, or legitimate directory use',
  },
];

/** Cheap test before the rules: every rule's text holds one of these. */
const NEEDLES = ['JNDI', 'jndi', 'Jndi', 'naming', 'StrSubstitutor', 'Infinite loop'];

/**
 * What a lookup that ran leaves in logs. Datasource errors (`Name [jdbc/ds] is not bound`) are
 * javax.naming exceptions too, but not network ones: only the network exceptions and lookup
 * frames count, and at low confidence, because LDAP logins fail the same way.
 */
export function findTrace(line: string): TraceMatch | undefined {
  if (!NEEDLES.some((n) => line.includes(n))) return undefined;
  for (const rule of RULES) {
    const m = rule.re.exec(line);
    if (!m) continue;
    const named = m[1];
    if (
      rule.trace === 'naming-exception' &&
      /javax\.naming\.(?:NamingException|ConfigurationException)/.test(m[0]) &&
      !named?.includes('://')
    )
      continue;
    return {
      trace: rule.trace,
      confidence: rule.confidence,
      text: m[0],
      ...(named && named.includes(':') ? { jndiName: named } : {}),
      message: rule.message,
    };
  }
  return undefined;
}
