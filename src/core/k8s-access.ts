// How a front end hands the Kubernetes provider a cluster it found without OIDC: the
// in-cluster service account (a runner pod) or, for the CLI outside Actions, the
// kubeconfig's current context. The front end reads the files and runs exec plugins; the
// provider only speaks HTTP, and registers what `credential()` returns as masks before use.

/** What authenticates a request: a bearer token, or a client certificate and its key. */
export interface K8sCredential {
  token?: string | undefined;
  certificate?: string | undefined;
  key?: string | undefined;
}

export interface K8sAccess {
  /**
   * Where this came from, for messages (never a credential): "the in-cluster service
   * account (/var/run/secrets/kubernetes.io/serviceaccount)", "kubeconfig FILE, context C".
   */
  source: string;
  /** The API server's base URL. */
  server: string;
  /** PEM of the cluster's CA: trusted alone for this server, as kubectl does. */
  ca?: string | undefined;
  /** The credential, made when the provider logs in (a file read, an exec plugin run). */
  credential(): Promise<K8sCredential>;
}

/**
 * A way to a cluster that the front end found, opened only at login: finding it is cheap and
 * synchronous (a variable, a file that exists), so the settings check can tell "none at all"
 * before any request; opening it may read and parse files (a kubeconfig: its YAML parser is
 * loaded only then) and is where a refused or malformed credential is reported.
 */
export interface K8sRoute {
  /** What was found, for messages: "kubeconfig ~/.kube/config". */
  source: string;
  open(): Promise<K8sAccess>;
}
